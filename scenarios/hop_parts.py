"""A hop's inner parts: what it is made of, as sub-stages of the results document.

A hop runs from the sender starting to serialize to the receiver holding a
read-only image. The stages already take ``perf_counter_ns`` (CLOCK_MONOTONIC, one
clock across processes) at its ends; a few more stamps at the boundaries the hop
already has split it, in frame order:

- ``encode`` (JPEG only): the sender's codec;
- ``serialize``: the payload made into message parts (the ``copy`` rung's bytearray,
  the ``shm`` rung's copy into a slot; raw frames' contiguity check);
- ``send``: from handing the parts to the link until the receiver holds the message's
  first part (the metadata): the sender's send call (with ``copy=True`` ZeroMQ's copy
  into its own message), the I/O threads and the kernel's copy, the receiver's wake-up;
- ``receive``: the receiver taking the rest of the message (the payload part; with
  ``copy=True`` a copy into ``bytes``) and decoding its metadata;
- ``view``: the parts made into a read-only array (attaching an ``shm`` slot);
- ``decode`` (JPEG only): the receiver's codec.

The parts cover the hop exactly: their sum is the hop (the JPEG checksums, excluded
from the hop, are excluded from its parts too).
"""

from __future__ import annotations

RAW_PARTS: tuple[str, ...] = ("serialize", "send", "receive", "view")
JPEG_PARTS: tuple[str, ...] = ("encode", "serialize", "send", "receive", "view", "decode")


def part_names(codec: str) -> tuple[str, ...]:
    """The sub-stages of every hop of a pipeline with this codec, in frame order."""
    return JPEG_PARTS if codec == "jpeg" else RAW_PARTS


def hop_parts(
    *,
    jpeg: bool,
    started: int,
    encoded: int,
    serialized: int,
    ready: int,
    arrived: int,
    viewed: int,
    ended: int,
    excluded: int,
) -> list[int]:
    """Durations (ns) of a hop's parts from its stamps, in ``part_names`` order.

    The sender's checksum (JPEG) runs between ``encoded`` and ``serialized``: it is
    kept out by shifting the two stamps before it, ``started`` and ``encoded``, later
    by its time. ``excluded`` is the receiver's checksum, between ``viewed`` and ``ended``.
    """
    send, receive = ready - serialized, arrived - ready
    if jpeg:
        return [
            encoded - started,
            serialized - encoded,
            send,
            receive,
            viewed - arrived,
            ended - viewed - excluded,
        ]
    return [serialized - started, send, receive, ended - arrived]
