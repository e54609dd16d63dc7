"""A stage's endpoint on the ``shm`` and ``shm-loan`` rungs: payloads in slots, references out.

``shm`` copies each payload into a slot of the sender's pool. ``shm-loan`` lets the
source render straight into a slot (a loan) and forwards an unchanged image as the
same reference, moving the sender's hold to the receiver, so in a linear pipeline a
slot has one holder at a time. JPEG: the encoder allocates its own output, so there
is nothing to loan; the encoded bytes are copied into a slot (one memcpy of a few
hundred KB, no kernel round trip) under both rungs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import zmq

from scenarios.transport import Endpoint, EndpointInfo, Meta
from scenarios.transport.shm.attach import AttachCache
from scenarios.transport.shm.capacity import check_fits
from scenarios.transport.shm.credits import UnixCreditOut, ZmqCreditOut, credits_out
from scenarios.transport.shm.pool import SlotPool
from scenarios.transport.shm.segments import ShmError, check_generation


class ShmEndpoint(Endpoint):
    """``shm`` copies each payload into a slot; ``shm-loan`` renders into slots and forwards."""

    send_copy = False
    recv_copy = False

    def __init__(self, info: EndpointInfo, ctx: zmq.Context[Any]) -> None:
        super().__init__(info)
        self.ctx = ctx
        self.loan = info.rung == "shm-loan"
        self.timeout_s = info.shm_timeout_s
        self.attached = AttachCache()
        self.pool = SlotPool(info, ctx) if info.owns_pool else None
        self._credit_out: dict[int, ZmqCreditOut | UnixCreditOut] = {}
        # Images are recognised by the array that views their slot (``_root``), by
        # identity, and each entry keeps that array: an id is never reused while listed.
        # Loaned slots rendered into but not sent yet: id -> (slot, array).
        self._loans: dict[int, tuple[int, np.ndarray]] = {}
        # Received frames this stage still holds: id -> (array, reference).
        self._held: dict[int, tuple[np.ndarray, Meta]] = {}

    def new_image(self, shape: tuple[int, ...]) -> np.ndarray:
        # A JPEG stage sends encoded bytes, not this image: a loan would never come back.
        if not self.loan or self.pool is None or self.info.codec != "raw":
            return super().new_image(shape)
        nbytes = int(np.prod(shape))
        check_fits(nbytes, self.pool.slot_size)
        i = self.pool.acquire(self.timeout_s)
        flat = self.pool.payload(i, nbytes)
        self._loans[id(flat)] = (i, flat)
        return flat.reshape(shape)

    def encode(self, payload: np.ndarray, meta: Meta) -> list[Any]:
        nbytes = payload.nbytes
        if self.loan:
            # A C-contiguous payload as large as the array under it is all of it, in order.
            root = _root(payload)
            loan = self._loans.get(id(root))
            if loan is not None and loan[1] is root and root.nbytes == nbytes:
                del self._loans[id(root)]
                assert self.pool is not None
                meta["ref"] = self.pool.reference(loan[0], nbytes, payload.shape)
                return []
            held = self._held.get(id(root))
            if held is not None and held[0] is root and root.nbytes == nbytes:
                # An unchanged image goes on as the same reference: our hold moves downstream.
                ref = held[1]
                meta["ref"] = dict(ref)
                ref["moved"] = True
                return []
        if self.pool is None:
            raise ShmError(f"{self.info.stage} has no shared-memory pool to send from")
        check_fits(nbytes, self.pool.slot_size)
        i = self.pool.acquire(self.timeout_s)
        np.copyto(self.pool.payload(i, nbytes), payload.reshape(-1))
        meta["ref"] = self.pool.reference(i, nbytes, payload.shape)
        return []

    def decode(self, parts: Sequence[Any], meta: Meta) -> np.ndarray:
        ref = meta["ref"]
        flat = self.attached.view(ref)
        self._held[id(flat)] = (flat, ref)
        return flat

    def release(self, meta: Meta) -> None:
        ref = meta.get("ref")
        if ref is None:
            return
        held = next((k for k, v in self._held.items() if v[1] is ref), None)
        if held is not None:
            del self._held[held]
        if ref.get("moved"):
            return
        mm = self.attached.mapping(ref["seg"])
        if mm is not None:
            # Still ours when we let go: nothing overwrote it while we read it.
            check_generation(mm, ref)
        out = self._credit_out.get(ref["owner"])
        if out is None:
            out = credits_out(self.loan, self.ctx, self.info.sock_dir, ref["owner"])
            self._credit_out[ref["owner"]] = out
        out.send((ref["slot"], ref["gen"]))

    def pending_fds(self) -> list[int]:
        """Credit sockets with credits still to send (``shm-loan``, owner's queue full)."""
        return [out.fileno() for out in self._credit_out.values() if out.pending]

    def flush(self) -> None:
        for out in self._credit_out.values():
            out.flush()

    def close(self) -> None:
        self._loans.clear()
        self._held.clear()
        for out in self._credit_out.values():
            out.close()
        self.attached.close()
        if self.pool is not None:
            self.pool.close()


def _root(array: np.ndarray) -> np.ndarray:
    """The array that views the slot itself (numpy points every view of it straight there)."""
    base = array.base
    return base if isinstance(base, np.ndarray) else array
