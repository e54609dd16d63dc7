"""What a ``shm-loan`` hop puts on the wire: a slot reference and a fixed binary frame header.

On the loan rung a hop moves nothing but this message, and the receiver decodes
it the moment it wakes, with caches that the stages' pixel work (24 MB rendered,
24 MB verified per 4K frame) has just flushed. Every object a decoder touches is
then a trip to memory, so the cost of the hop tracks how much the decoder
touches, not how many bytes it reads: ``marshal`` rebuilding a nested dict of
strings costs about 20 us cold, one ``struct`` unpack into a flat tuple of
integers about 6 us (``benchmarks/test_micro.py``). Hence a fixed layout,
decoded by one precompiled ``struct.Struct``, for the one message that is hot;
everything else (ping, stop, anything unusual) still travels as ``marshal``.
"""

from __future__ import annotations

import marshal
import struct
from typing import Any, NamedTuple

Meta = dict[str, Any]

# The first byte of a message says how the rest is encoded.
_TAG_MARSHAL = 0
_TAG_FRAME = 1

# Frame metadata keys, exactly as scenarios.stage writes them before a send.
FRAME_KEYS = frozenset({"kind", "n", "t", "vh", "crc", "ts", "ex", "nb", "ref"})
# A frame carries one duration per stage and hop so far; more than this goes as marshal.
MAX_DURATIONS = 64
MAX_DIMS = 3
_DTYPES = ("uint8",)
_NO_CRC = -1


class SlotRef(NamedTuple):
    """Where a frame lives: a slot of one stage's pool, at one generation.

    The segment's name follows from the run, the owner's pid and index, and the
    slot (``scenarios.transport.shm.segment_name``), so it never travels.
    """

    owner: int
    pid: int
    slot: int
    gen: int
    nb: int
    shape: tuple[int, ...]
    dtype: str = "uint8"

    @classmethod
    def from_json(cls, value: Any) -> SlotRef:
        """Back from the list JSON makes of a reference (the ``shm`` rung sends JSON)."""
        if isinstance(value, SlotRef):
            return value
        owner, pid, slot, gen, nb, shape, dtype = value
        return cls(int(owner), int(pid), int(slot), int(gen), int(nb), tuple(shape), str(dtype))


# tag, durations, dims, dtype, vh, n, crc, ts, ex, nb, owner, pid, slot, gen, ref nb, 3 dims
_FIXED = "<BBBBIqqqqqIIIqqIII"
_FIXED_FIELDS = 18
_FRAMES = [struct.Struct(_FIXED + "q" * k) for k in range(MAX_DURATIONS + 1)]


def pack(meta: Meta) -> bytes:
    """One message: a frame in the fixed layout if it fits it, anything else as ``marshal``."""
    frame = _pack_frame(meta)
    if frame is not None:
        return frame
    ref = meta.get("ref")
    if isinstance(ref, SlotRef):
        meta = {**meta, "ref": tuple(ref)}  # marshal takes plain tuples only
    return bytes([_TAG_MARSHAL]) + marshal.dumps(meta)


def unpack(data: bytes) -> Meta:
    """The metadata ``pack`` encoded; ``ValueError`` for anything else."""
    if not data:
        raise ValueError("an empty message")
    if data[0] == _TAG_FRAME:
        return _unpack_frame(data)
    if data[0] != _TAG_MARSHAL:
        raise ValueError(f"a message with unknown tag {data[0]}")
    try:
        meta = marshal.loads(memoryview(data)[1:])
    except (EOFError, TypeError) as exc:
        raise ValueError(f"a message that does not decode: {exc}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"a message of {type(meta).__name__}, not of metadata")
    return meta


def _pack_frame(meta: Meta) -> bytes | None:
    """The fixed layout of a frame message, or None if ``meta`` does not fit it."""
    ref = meta.get("ref")
    t = meta.get("t")
    if (
        meta.get("kind") != "frame"
        or type(ref) is not SlotRef
        or type(t) is not list
        or len(t) > MAX_DURATIONS
        or len(ref.shape) > MAX_DIMS
        or ref.dtype not in _DTYPES
        or meta.keys() != FRAME_KEYS
    ):
        return None
    crc = meta["crc"]
    dims = (*ref.shape, 0, 0, 0)
    try:
        return _FRAMES[len(t)].pack(
            _TAG_FRAME,
            len(t),
            len(ref.shape),
            _DTYPES.index(ref.dtype),
            meta["vh"],
            meta["n"],
            _NO_CRC if crc is None else crc,
            meta["ts"],
            meta["ex"],
            meta["nb"],
            ref.owner,
            ref.pid,
            ref.slot,
            ref.gen,
            ref.nb,
            dims[0],
            dims[1],
            dims[2],
            *t,
        )
    except struct.error:
        return None  # a value out of the layout's range: let marshal carry it


def _unpack_frame(data: bytes) -> Meta:
    if len(data) < 2 or data[1] > MAX_DURATIONS:
        raise ValueError("a frame message cut short")
    layout = _FRAMES[data[1]]
    if len(data) != layout.size:
        raise ValueError(f"a frame message of {len(data)} bytes, expected {layout.size}")
    f = layout.unpack(data)
    ndim = f[2]
    if ndim > MAX_DIMS or f[3] >= len(_DTYPES):
        raise ValueError("a frame message with a bad shape or dtype")
    ref = SlotRef(f[10], f[11], f[12], f[13], f[14], f[15 : 15 + ndim], _DTYPES[f[3]])
    crc = f[6]
    return {
        "kind": "frame",
        "n": f[5],
        "t": list(f[_FIXED_FIELDS:]),
        "vh": f[4],
        "crc": None if crc == _NO_CRC else crc,
        "ts": f[7],
        "ex": f[8],
        "nb": f[9],
        "ref": ref,
    }
