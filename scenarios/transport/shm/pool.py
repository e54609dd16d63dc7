"""The slots one stage owns: it writes only into free ones, and frees one at zero holders."""

from __future__ import annotations

import contextlib
import mmap
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq

from scenarios.transport import EndpointInfo, Meta
from scenarios.transport.shm.capacity import check_fits, check_room
from scenarios.transport.shm.credits import CreditIn, credits_in
from scenarios.transport.shm.segments import (
    HEADER,
    ShmError,
    StaleSlot,
    create,
    path,
    segment_name,
    write_header,
)


@dataclass
class _Slot:
    name: str
    mm: mmap.mmap
    generation: int = 0
    holders: int = 0


class SlotPool:
    """The slots one stage owns, and the credit socket through which they come back."""

    def __init__(self, info: EndpointInfo, ctx: zmq.Context[Any]) -> None:
        self.info = info
        self.slot_size = info.shm_slot_size
        self.slots: list[_Slot] = []
        self.free: deque[int] = deque()
        total = info.shm_slots * (HEADER + self.slot_size)
        check_room(total, f"{info.stage}'s pool of {info.shm_slots} x {self.slot_size} bytes")
        try:
            for i in range(info.shm_slots):
                self.slots.append(self._create(i))
                self.free.append(i)
        except BaseException:
            self.close()
            raise
        self.credits: CreditIn = credits_in(info.rung == "shm-loan", ctx, info.sock_dir, info.index)

    def _create(self, i: int) -> _Slot:
        name = segment_name(self.info.run_id, os.getpid(), self.info.index, i)
        what = f"{self.info.shm_slots} x {self.slot_size} bytes for {self.info.stage}"
        return _Slot(name, create(name, HEADER + self.slot_size, what))

    def acquire(self, timeout_s: float) -> int:
        """A free slot, now holding one holder (the owner); waits for credits if none is free."""
        self._drain(0)
        deadline = time.monotonic() + timeout_s
        while not self.free:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ShmError(
                    f"{self.info.stage}: no shared-memory slot came back in {timeout_s:g} s; "
                    f"all {len(self.slots)} are held downstream (raise SCENARIOS_SHM_SLOTS, "
                    "or a stage is stuck)"
                )
            self._drain(int(left * 1000) + 1)
        i = self.free.popleft()
        slot = self.slots[i]
        slot.generation += 1
        slot.holders = 1
        write_header(slot.mm, slot.generation, 0)
        return i

    def payload(self, i: int, nbytes: int) -> np.ndarray:
        """The writable bytes of slot ``i``, recording ``nbytes`` in its header."""
        check_fits(nbytes, self.slot_size)
        slot = self.slots[i]
        write_header(slot.mm, slot.generation, nbytes)
        return np.frombuffer(slot.mm, dtype=np.uint8, count=nbytes, offset=HEADER)

    def reference(self, i: int, nbytes: int, shape: Sequence[int]) -> Meta:
        slot = self.slots[i]
        return {
            "seg": slot.name,
            "slot": i,
            "gen": slot.generation,
            "nb": nbytes,
            "shape": list(shape),
            "dtype": "uint8",
            "owner": self.info.index,
        }

    def _drain(self, wait_ms: int) -> None:
        if not self.credits.poll(wait_ms):
            return
        for i, generation in self.credits.recv_all():
            slot = self.slots[i]
            if generation != slot.generation or slot.holders <= 0:
                raise StaleSlot(
                    f"{self.info.stage}: credit for slot {i} generation "
                    f"{generation}, but the slot is at generation {slot.generation} "
                    f"with {slot.holders} holders"
                )
            slot.holders -= 1
            if slot.holders == 0:
                self.free.append(i)

    def close(self) -> None:
        """Unlink first (always possible), then unmap what no view still uses."""
        for slot in self.slots:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path(slot.name))
            # A view still alive keeps its mapping; it goes with the process.
            with contextlib.suppress(BufferError):
                slot.mm.close()
        self.slots = []
        credits = getattr(self, "credits", None)
        if credits is not None:
            credits.close()
