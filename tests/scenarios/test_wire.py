"""The shm-loan wire format: frames in a fixed binary layout, anything else as marshal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios import wire
from scenarios.wire import SlotRef

u32 = st.integers(0, 2**32 - 1)
i63 = st.integers(0, 2**63 - 1)
refs = st.builds(
    SlotRef,
    owner=u32,
    pid=u32,
    slot=u32,
    gen=i63,
    nb=i63,
    shape=st.lists(u32, min_size=0, max_size=3).map(tuple),
    dtype=st.just("uint8"),
)
frames = st.fixed_dictionaries(
    {
        "kind": st.just("frame"),
        "n": i63,
        "t": st.lists(st.integers(-(2**63), 2**63 - 1), max_size=wire.MAX_DURATIONS),
        "vh": u32,
        "crc": st.none() | u32,
        "ts": i63,
        "ex": i63,
        "nb": i63,
        "ref": refs,
    }
)


@given(frames)
def test_a_frame_comes_back_exactly_in_the_fixed_layout(meta: dict[str, Any]) -> None:
    data = wire.pack(meta)
    assert data[0] == 1  # the fixed layout, not marshal
    assert wire.unpack(data) == meta


def test_the_fixed_layout_is_a_few_dozen_bytes_for_a_4k_frame() -> None:
    ref = SlotRef(0, 4242, 3, 17, 3840 * 2160 * 3, (2160, 3840, 3))
    meta = {"kind": "frame", "n": 9, "t": [1, 2], "vh": 0, "crc": 7, "ts": 5, "ex": 0}
    data = wire.pack({**meta, "nb": ref.nb, "ref": ref})
    assert len(data) < 128


@pytest.mark.parametrize(
    "meta",
    [
        {"kind": "ping"},
        {},
        {"kind": "frame", "n": 3, "t": [1, 2**62], "crc": None, "ref": {"seg": "x"}},
        # A frame with a key more, or a value out of the layout's range, still arrives.
        {
            "kind": "frame",
            "n": 1,
            "t": [],
            "vh": 0,
            "crc": None,
            "ts": 0,
            "ex": 0,
            "nb": 3,
            "ref": SlotRef(0, 1, 2, 3, 3, (3,)),
            "extra": True,
        },
        {
            "kind": "frame",
            "n": 2**64,
            "t": [],
            "vh": 0,
            "crc": None,
            "ts": 0,
            "ex": 0,
            "nb": 3,
            "ref": SlotRef(0, 1, 2, 3, 3, (3,)),
        },
        {
            "kind": "frame",
            "n": 1,
            "t": [0] * (wire.MAX_DURATIONS + 1),
            "vh": 0,
            "crc": None,
            "ts": 0,
            "ex": 0,
            "nb": 3,
            "ref": SlotRef(0, 1, 2, 3, 3, (3,)),
        },
    ],
)
def test_anything_else_travels_as_marshal(meta: dict[str, Any]) -> None:
    data = wire.pack(meta)
    assert data[0] == 0
    back = wire.unpack(data)
    if isinstance(meta.get("ref"), SlotRef):
        assert SlotRef.from_json(back.pop("ref")) == meta["ref"]
        meta = {k: v for k, v in meta.items() if k != "ref"}
    assert back == meta


def test_a_reference_survives_json_for_the_shm_rung() -> None:
    ref = SlotRef(1, 4242, 3, 17, 30, (2, 5, 3))
    assert SlotRef.from_json(json.loads(json.dumps(ref))) == ref


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x07abc",
        b"\x01",
        b"\x01\x02" + bytes(10),
        b"\x00not marshal",
        b"\x00" + b"i\x01\x00\x00\x00",
    ],
)
def test_garbage_is_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        wire.unpack(data)
