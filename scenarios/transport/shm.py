"""Shared-memory rungs: frames live in POSIX shared-memory slots, sockets carry references.

Segments are files under ``/dev/shm`` (which is what ``shm_open`` is on Linux),
opened and mapped directly rather than through ``multiprocessing.shared_memory``:
that way nothing registers with a resource tracker (on 3.11 it would unlink
segments an attaching process merely used, and warn), the space is reserved up
front with ``posix_fallocate`` (a full ``/dev/shm`` is a clear error, not a
SIGBUS on first write), mappings are pre-faulted with ``MAP_POPULATE``, and
readers map ``PROT_READ`` so a received frame cannot be written even by accident.

Safe reuse. Each segment is one slot: a 64-byte header (generation, byte count)
then the payload. The owner writes only into free slots. A reference carries
the slot's generation; the receiver checks it against the header when it maps
the frame and again when it lets go, so a slot overwritten under a reader is an
error, never a silent wrong frame. Letting go is a credit sent back to the
owner over ZeroMQ; the owner frees a slot when its holder count drops to zero.
Forwarding a reference (``shm-loan``, an unchanged image) moves the sender's
hold to the receiver, so in a linear pipeline a slot has one holder at a time.

JPEG: the encoder allocates its own output, so there is nothing to loan; the
encoded bytes are copied into a slot (one memcpy of a few hundred KB, no kernel
round trip) under both ``shm`` and ``shm-loan``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mmap
import os
import re
import struct
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq

from scenarios.transport import Endpoint, EndpointInfo, Meta

SHM_DIR = "/dev/shm"
PREFIX = "scenarios-"
HEADER = 64
_HEADER_FMT = "<QQ"  # generation, payload bytes
# scenarios-<run id>-<creator pid>-<stage index>-<slot>
NAME = re.compile(r"^scenarios-([0-9a-f]+)-(\d+)-(\d+)-(\d+)$")


class ShmError(Exception):
    """Shared memory could not be set up or used safely; the message says what to change."""


class StaleSlot(ShmError):
    """A reference whose slot has been refilled since: the owner's invariant broke."""


def segment_name(run_id: str, pid: int, index: int, slot: int) -> str:
    return f"{PREFIX}{run_id}-{pid}-{index}-{slot}"


def check_fits(nbytes: int, slot_size: int) -> None:
    """A frame must fit its slot; say by how much it does not, and what to raise."""
    if nbytes > slot_size:
        raise ValueError(
            f"a frame of {nbytes} bytes does not fit a shared-memory slot of {slot_size} bytes; "
            f"raise SCENARIOS_SHM_SLOT_SIZE to at least {nbytes}"
        )


def free_bytes() -> int:
    st = os.statvfs(SHM_DIR)
    return st.f_bavail * st.f_frsize


def check_room(nbytes: int, what: str) -> None:
    """Refuse early when ``/dev/shm`` cannot hold ``nbytes`` (before allocating anything)."""
    free = free_bytes()
    if nbytes > free:
        raise ShmError(
            f"{what} needs {nbytes / 2**20:.0f} MiB of {SHM_DIR} but only {free / 2**20:.0f} MiB "
            "is free; lower SCENARIOS_SHM_SLOTS or SCENARIOS_SHM_SLOT_SIZE"
        )


def preflight(owners: int, slots: int, slot_size: int, frame_bytes: int | None) -> None:
    """The driver's early check, before any process starts: frames fit, pools fit."""
    if frame_bytes is not None:
        check_fits(frame_bytes, slot_size)
    check_room(
        owners * slots * (HEADER + slot_size), f"{owners} pools of {slots} x {slot_size} bytes"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale() -> list[str]:
    """Unlink segments whose creator is dead (a crashed run of any user we may remove)."""
    removed = []
    for name in _segments():
        m = NAME.match(name)
        if m and not _alive(int(m.group(2))):
            try:
                os.unlink(os.path.join(SHM_DIR, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def cleanup_run(run_id: str) -> None:
    """Unlink every segment of run ``run_id``: the driver's last word, whatever happened."""
    for name in _segments():
        if name.startswith(f"{PREFIX}{run_id}-"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(SHM_DIR, name))


def _segments() -> list[str]:
    try:
        return [n for n in os.listdir(SHM_DIR) if n.startswith(PREFIX)]
    except OSError:
        return []


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
        self.credits = ctx.socket(zmq.PULL)
        self.credits.setsockopt(zmq.RCVHWM, 0)
        self.credits.bind(credit_address(info.sock_dir, info.index))

    def _create(self, i: int) -> _Slot:
        name = segment_name(self.info.run_id, os.getpid(), self.info.index, i)
        path = os.path.join(SHM_DIR, name)
        size = HEADER + self.slot_size
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as exc:
                os.unlink(path)
                if exc.errno == errno.ENOSPC:
                    raise ShmError(
                        f"{SHM_DIR} is full: cannot reserve {self.info.shm_slots} x "
                        f"{self.slot_size} bytes for {self.info.stage}; lower "
                        "SCENARIOS_SHM_SLOTS or SCENARIOS_SHM_SLOT_SIZE"
                    ) from None
                raise
            # MAP_POPULATE pre-faults every page now, not on the first frame's write.
            mm = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
        finally:
            os.close(fd)
        return _Slot(name, mm)

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
        struct.pack_into(_HEADER_FMT, slot.mm, 0, slot.generation, 0)
        return i

    def payload(self, i: int, nbytes: int) -> np.ndarray:
        """The writable bytes of slot ``i``, recording ``nbytes`` in its header."""
        check_fits(nbytes, self.slot_size)
        slot = self.slots[i]
        struct.pack_into(_HEADER_FMT, slot.mm, 0, slot.generation, nbytes)
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
        while True:
            try:
                raw = self.credits.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            credit = json.loads(raw)
            slot = self.slots[credit["slot"]]
            if credit["gen"] != slot.generation or slot.holders <= 0:
                raise StaleSlot(
                    f"{self.info.stage}: credit for slot {credit['slot']} generation "
                    f"{credit['gen']}, but the slot is at generation {slot.generation} "
                    f"with {slot.holders} holders"
                )
            slot.holders -= 1
            if slot.holders == 0:
                self.free.append(credit["slot"])

    def close(self) -> None:
        """Unlink first (always possible), then unmap what no view still uses."""
        for slot in self.slots:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(SHM_DIR, slot.name))
            # A view still alive keeps its mapping; it goes with the process.
            with contextlib.suppress(BufferError):
                slot.mm.close()
        self.slots = []
        credits = getattr(self, "credits", None)
        if credits is not None:
            credits.close(linger=0)


def credit_address(sock_dir: str, owner: int) -> str:
    return f"ipc://{sock_dir}/credit-{owner}"


class AttachCache:
    """Read-only mappings of other stages' slots, each opened once per process."""

    def __init__(self) -> None:
        self._maps: dict[str, mmap.mmap] = {}

    def view(self, ref: Meta) -> np.ndarray:
        mm = self._maps.get(ref["seg"])
        if mm is None:
            fd = os.open(os.path.join(SHM_DIR, ref["seg"]), os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                mm = mmap.mmap(
                    fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ
                )
            finally:
                os.close(fd)
            self._maps[ref["seg"]] = mm
        check_generation(mm, ref)
        if ref["dtype"] != "uint8":
            raise ShmError(f"reference to {ref['seg']} has dtype {ref['dtype']}, expected uint8")
        flat = np.frombuffer(mm, dtype=np.uint8, count=ref["nb"], offset=HEADER)
        flat.flags.writeable = False
        return flat

    def mapping(self, name: str) -> mmap.mmap | None:
        return self._maps.get(name)

    def close(self) -> None:
        for mm in self._maps.values():
            with contextlib.suppress(BufferError):
                mm.close()
        self._maps.clear()


def check_generation(mm: mmap.mmap, ref: Meta) -> None:
    generation, nbytes = struct.unpack_from(_HEADER_FMT, mm, 0)
    if generation != ref["gen"] or nbytes != ref["nb"]:
        raise StaleSlot(
            f"slot {ref['seg']} is at generation {generation} ({nbytes} bytes) but the "
            f"reference says {ref['gen']} ({ref['nb']} bytes): it was refilled under a reader"
        )


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
        self._credit_socks: dict[int, zmq.Socket[Any]] = {}
        # Data address -> slot, for images rendered into loaned slots not yet sent.
        self._loans: dict[int, int] = {}
        # Data address -> reference, for received frames this stage still holds.
        self._held: dict[int, Meta] = {}

    def new_image(self, shape: tuple[int, ...]) -> np.ndarray:
        # A JPEG stage sends encoded bytes, not this image: a loan would never come back.
        if not self.loan or self.pool is None or self.info.codec != "raw":
            return super().new_image(shape)
        nbytes = int(np.prod(shape))
        check_fits(nbytes, self.pool.slot_size)
        i = self.pool.acquire(self.timeout_s)
        image = self.pool.payload(i, nbytes).reshape(shape)
        self._loans[_address(image)] = i
        return image

    def encode(self, payload: np.ndarray, meta: Meta) -> list[Any]:
        address, nbytes = _address(payload), int(payload.nbytes)
        if self.loan and self.pool is not None and address in self._loans:
            i = self._loans.pop(address)
            meta["ref"] = self.pool.reference(i, nbytes, payload.shape)
            return []
        held = self._held.get(address)
        if self.loan and held is not None and held["nb"] == nbytes:
            # An unchanged image goes on as the same reference: our hold moves downstream.
            held["moved"] = True
            meta["ref"] = {k: v for k, v in held.items() if k != "moved"}
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
        self._held[_address(flat)] = ref
        return flat

    def release(self, meta: Meta) -> None:
        ref = meta.get("ref")
        if ref is None:
            return
        held = next((k for k, v in self._held.items() if v is ref), None)
        if held is not None:
            del self._held[held]
        if ref.get("moved"):
            return
        mm = self.attached.mapping(ref["seg"])
        if mm is not None:
            # Still ours when we let go: nothing overwrote it while we read it.
            check_generation(mm, ref)
        sock = self._credit_socks.get(ref["owner"])
        if sock is None:
            sock = self.ctx.socket(zmq.PUSH)
            sock.setsockopt(zmq.SNDHWM, 0)
            sock.connect(credit_address(self.info.sock_dir, ref["owner"]))
            self._credit_socks[ref["owner"]] = sock
        sock.send(json.dumps({"slot": ref["slot"], "gen": ref["gen"]}).encode())

    def close(self) -> None:
        self._loans.clear()
        self._held.clear()
        for sock in self._credit_socks.values():
            sock.close(linger=100)
        self.attached.close()
        if self.pool is not None:
            self.pool.close()


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])
