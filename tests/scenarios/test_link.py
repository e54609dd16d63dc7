"""Links between stages: Unix sockets for shm-loan, ZeroMQ otherwise; a dead peer is noticed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq

from scenarios.link import (
    LinkClosed,
    UnixInput,
    UnixOutput,
    ZmqLink,
    address_for,
    open_input,
    open_output,
)


@pytest.fixture
def ctx() -> Iterator[zmq.Context[Any]]:
    c: zmq.Context[Any] = zmq.Context()
    yield c
    c.term()


def test_only_shm_loan_links_are_unix_sockets(tmp_path: Path, ctx: zmq.Context[Any]) -> None:
    assert address_for("shm-loan", "/x/in-1") == "unix:/x/in-1"
    for rung in ("copy", "memoryview", "recv-nocopy", "nocopy", "shm"):
        assert address_for(rung, "/x/in-1") == "ipc:///x/in-1"
    inp = open_input(address_for("shm", f"{tmp_path}/z"), ctx, hwm=2, copy=True)
    out = open_output(address_for("shm", f"{tmp_path}/z"), ctx, hwm=2, copy=True)
    assert isinstance(inp, ZmqLink) and isinstance(out, ZmqLink)
    out.send({"kind": "ping"})
    assert inp.recv() == ({"kind": "ping"}, [])
    inp.close(0)
    out.close(0)


def test_a_unix_link_carries_whole_messages_in_order(tmp_path: Path) -> None:
    path = str(tmp_path / "in-1")
    inp = UnixInput(path)
    out = UnixOutput(path)
    try:
        messages: list[dict[str, Any]] = [
            {"kind": "ping"},
            {"kind": "frame", "n": 3, "t": [1, 2**62], "crc": None, "ref": {"seg": "x" * 5000}},
            {},
        ]
        for m in messages:
            out.send(m)
        assert [inp.recv() for _ in messages] == [(m, []) for m in messages]
        # Only references travel: a payload part is a bug, not something to send.
        with pytest.raises(TypeError, match="references only"):
            out.send({}, [b"pixels"])
    finally:
        out.close(0)
        inp.close(0)
    assert not Path(path).exists()  # the listener removes its socket file


def test_the_sender_waits_for_a_receiver_that_is_still_starting(tmp_path: Path) -> None:
    path = str(tmp_path / "in-1")
    out = UnixOutput(path)
    got: list[tuple[dict[str, Any], list[Any]]] = []

    def late_receiver() -> None:
        time.sleep(0.05)
        inp = UnixInput(path)
        got.append(inp.recv())
        inp.close(0)

    t = threading.Thread(target=late_receiver)
    t.start()
    out.send({"n": 1})
    t.join(10)
    out.close(0)
    assert got == [({"n": 1}, [])]


def test_a_dead_neighbour_closes_the_link_both_ways(tmp_path: Path) -> None:
    path = str(tmp_path / "in-1")
    inp = UnixInput(path)
    out = UnixOutput(path)
    out.send({"n": 1})
    assert inp.recv() == ({"n": 1}, [])
    out.close(0)  # the sender is gone: what it sent was read, then end of file
    with pytest.raises(LinkClosed):
        inp.recv()
    inp.close(0)

    inp = UnixInput(path)
    out = UnixOutput(path)
    out.send({"n": 1})
    inp.recv()
    inp.close(0)  # the receiver is gone: the next send is refused, not lost silently
    with pytest.raises(LinkClosed):
        out.send({"n": 2})
    out.close(0)


def test_an_oversized_message_is_an_error_not_a_truncated_frame(tmp_path: Path) -> None:
    path = str(tmp_path / "in-1")
    inp = UnixInput(path)
    out = UnixOutput(path)
    try:
        out.send({"ref": "x" * 70_000})
        with pytest.raises(ValueError, match="larger than"):
            inp.recv()
    finally:
        out.close(0)
        inp.close(0)
