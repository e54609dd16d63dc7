"""A reader's read-only mappings of other stages' slots, each opened once per process."""

from __future__ import annotations

import contextlib
import mmap

import numpy as np

from scenarios.transport import Meta
from scenarios.transport.shm.segments import HEADER, ShmError, check_generation, map_readonly


class AttachCache:
    """Read-only mappings of other stages' slots, each opened once per process.

    The read-only view of a slot's payload is kept too: a slot that comes back with
    the same byte count (every raw frame) costs a dictionary lookup and the
    generation check, not a new array. That is most of what a receiver does after
    waking, and it does it with cold caches.
    """

    def __init__(self) -> None:
        self._maps: dict[str, mmap.mmap] = {}
        # Segment -> (mapping, read-only payload view, its byte count) for the last size seen.
        self._views: dict[str, tuple[mmap.mmap, np.ndarray, int]] = {}

    def view(self, ref: Meta) -> np.ndarray:
        entry = self._views.get(ref["seg"])
        if entry is None or entry[2] != ref["nb"]:
            entry = self._new_view(ref)
        check_generation(entry[0], ref)
        if ref["dtype"] != "uint8":
            raise ShmError(f"reference to {ref['seg']} has dtype {ref['dtype']}, expected uint8")
        return entry[1]

    def _new_view(self, ref: Meta) -> tuple[mmap.mmap, np.ndarray, int]:
        mm = self._maps.get(ref["seg"])
        if mm is None:
            mm = map_readonly(ref["seg"])
            self._maps[ref["seg"]] = mm
        flat = np.frombuffer(mm, dtype=np.uint8, count=ref["nb"], offset=HEADER)
        flat.flags.writeable = False
        self._views[ref["seg"]] = entry = (mm, flat, ref["nb"])
        return entry

    def mapping(self, name: str) -> mmap.mmap | None:
        return self._maps.get(name)

    def close(self) -> None:
        self._views.clear()
        for mm in self._maps.values():
            with contextlib.suppress(BufferError):
                mm.close()
        self._maps.clear()
