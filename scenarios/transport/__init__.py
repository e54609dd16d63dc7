"""The transport ladder: how a frame's payload crosses a hop between two stages.

One small interface, ``Endpoint``: the sender ``encode``s a payload into message
parts (and may describe it in the frame's metadata), the receiver ``decode``s the
parts back into a read-only uint8 view. Rungs, cheapest last:

- ``copy``: bytearray copy, copying send, copying receive, an array over the bytes;
- ``memoryview``: send ``memoryview(image).cast('B')`` instead of the bytearray;
- ``recv-nocopy``: and ``recv_multipart(copy=False)`` with ``np.frombuffer``;
- ``nocopy`` (default): and ``send_multipart(copy=False)``;
- ``shm``: copy into a shared-memory slot, send a small reference;
- ``shm-loan``: render straight into a slot, forward references, never copy; the
  references (and credits) go over Unix sockets instead of ZeroMQ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ZMQ_RUNGS: tuple[str, ...] = ("copy", "memoryview", "recv-nocopy", "nocopy")
SHM_RUNGS: tuple[str, ...] = ("shm", "shm-loan")
RUNGS: tuple[str, ...] = ZMQ_RUNGS + SHM_RUNGS
#: Rungs whose stages talk over Unix sockets (``scenarios.link``), not ZeroMQ: only a
#: reference travels, so the hop is the wake-up, and one wake-up beats ZeroMQ's three.
UNIX_LINK_RUNGS: tuple[str, ...] = ("shm-loan",)

Meta = dict[str, Any]


@dataclass(frozen=True)
class EndpointInfo:
    """What a stage tells its endpoint about itself: enough to name and find resources."""

    rung: str
    stage: str
    index: int
    run_id: str = ""
    sock_dir: str = ""
    shm_slots: int = 4
    shm_slot_size: int = 32 * 1024 * 1024
    shm_timeout_s: float = 10.0
    #: Whether this stage owns a pool of slots (it sends payloads that are not in a slot yet).
    owns_pool: bool = False
    codec: str = "raw"


class Endpoint(ABC):
    """One stage's side of the transport, for both the hop in and the hop out."""

    #: ``send_multipart(copy=...)`` and ``recv_multipart(copy=...)`` for frame messages.
    send_copy: bool = True
    recv_copy: bool = True

    def __init__(self, info: EndpointInfo) -> None:
        self.info = info

    def new_image(self, shape: tuple[int, ...]) -> np.ndarray:
        """A writable buffer for a new image (a loaned slot on ``shm-loan``)."""
        return np.empty(shape, dtype=np.uint8)

    @abstractmethod
    def encode(self, payload: np.ndarray, meta: Meta) -> list[Any]:
        """Sender side: the message parts that carry ``payload`` (C-contiguous uint8)."""

    @abstractmethod
    def decode(self, parts: Sequence[Any], meta: Meta) -> np.ndarray:
        """Receiver side: a read-only flat uint8 view of the payload the parts carry."""

    def release(self, meta: Meta) -> None:  # noqa: B027 - optional hook, no-op by default
        """The receiver is done with the frame described by ``meta``."""

    def pending_fds(self) -> list[int]:
        """Sockets with messages (credits) still to write, for a stage about to wait."""
        return []

    def flush(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Write what of those can be written now, without blocking."""

    def close(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Free what the endpoint owns (shared memory); called on every exit path."""


def open_endpoint(info: EndpointInfo, ctx: Any = None) -> Endpoint:
    """The endpoint for ``info.rung``; ``ctx`` is the stage's ``zmq.Context``."""
    if info.rung in ZMQ_RUNGS:
        from scenarios.transport.zmq import ZmqEndpoint

        return ZmqEndpoint(info)
    if info.rung in SHM_RUNGS:
        from scenarios.transport.shm import ShmEndpoint

        return ShmEndpoint(info, ctx)
    raise ValueError(f"unknown transport {info.rung!r}; valid values: {', '.join(RUNGS)}")


def owns_pool(rung: str, codec: str, *, source: bool, sink: bool, new_image: bool) -> bool:
    """Whether a stage needs slots of its own: it sends a payload not already in a slot."""
    if rung not in SHM_RUNGS or sink:
        return False
    return rung == "shm" or codec == "jpeg" or source or new_image


def remove_leftovers() -> None:
    """Remove shared-memory segments that runs whose creator died left behind."""
    from scenarios.transport import shm

    shm.remove_leftovers()


def cleanup_run(run_id: str) -> None:
    """Remove every resource of run ``run_id`` that its stages could not remove."""
    from scenarios.transport import shm

    shm.cleanup_run(run_id)
