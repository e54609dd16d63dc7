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
owner; the owner frees a slot when its holder count drops to zero. Under ``shm``
credits go over ZeroMQ, like its references. Under ``shm-loan`` they are Unix
datagrams (``credit-<owner>.dgram`` in the run's socket directory), as its
references travel over a Unix socket (``scenarios.link``): the owner is not woken
by a credit, it reads what has queued up when it next needs a slot. A datagram
queue is short (``net.unix.max_dgram_qlen``), so a credit that does not fit waits
in the releaser, which sends it as soon as the owner has read the queue; a stage
waiting for input keeps doing that (``pending_fds``/``flush``), so no credit is
ever stuck behind a blocked stage.
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
import select
import socket
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
_HEADER = struct.Struct(_HEADER_FMT)
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


def alive(pid: int) -> bool:
    """Whether process ``pid`` may exist: only a pid the kernel says is gone counts as dead.

    One we may not signal, or a number no pid can be (a name someone made up), is
    treated as alive, so nothing is swept on its account.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def sweep_stale() -> list[str]:
    """Unlink segments whose creator is dead (a crashed run of any user we may remove)."""
    removed = []
    for name in _segments():
        m = NAME.match(name)
        if m and not alive(int(m.group(2))):
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
        self.credits: CreditIn = (
            UnixCreditIn(credit_path(info.sock_dir, info.index))
            if info.rung == "shm-loan"
            else ZmqCreditIn(ctx, credit_address(info.sock_dir, info.index))
        )

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
                os.unlink(os.path.join(SHM_DIR, slot.name))
            # A view still alive keeps its mapping; it goes with the process.
            with contextlib.suppress(BufferError):
                slot.mm.close()
        self.slots = []
        credits = getattr(self, "credits", None)
        if credits is not None:
            credits.close()


def credit_address(sock_dir: str, owner: int) -> str:
    return f"ipc://{sock_dir}/credit-{owner}"


def credit_path(sock_dir: str, owner: int) -> str:
    return os.path.join(sock_dir, f"credit-{owner}.dgram")


Credit = tuple[int, int]  # slot, generation
_CREDIT = struct.Struct("<QQ")
# Credits per datagram when a backlog is sent at once (a few KB).
_CREDITS_PER_DATAGRAM = 256


class CreditIn:
    """The owner's end of its credit channel."""

    def poll(self, wait_ms: int) -> bool:
        raise NotImplementedError

    def recv_all(self) -> list[Credit]:
        """Every credit that has arrived, without waiting."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class ZmqCreditIn(CreditIn):
    """``shm``: a PULL socket; each credit a small JSON message."""

    def __init__(self, ctx: zmq.Context[Any], address: str) -> None:
        self.sock = ctx.socket(zmq.PULL)
        self.sock.setsockopt(zmq.RCVHWM, 0)
        self.sock.bind(address)

    def poll(self, wait_ms: int) -> bool:
        return bool(self.sock.poll(wait_ms))

    def recv_all(self) -> list[Credit]:
        out: list[Credit] = []
        while True:
            try:
                raw = self.sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                return out
            credit = json.loads(raw)
            out.append((int(credit["slot"]), int(credit["gen"])))

    def close(self) -> None:
        self.sock.close(linger=0)


class UnixCreditIn(CreditIn):
    """``shm-loan``: a datagram socket bound in the run's socket directory, read on demand."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(path)
        except BaseException:
            self.sock.close()
            raise
        self.sock.setblocking(False)

    def poll(self, wait_ms: int) -> bool:
        if wait_ms <= 0:
            return True  # recv_all does not block: no system call to ask first
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(wait_ms))

    def recv_all(self) -> list[Credit]:
        out: list[Credit] = []
        while True:
            try:
                raw = self.sock.recv(_CREDIT.size * _CREDITS_PER_DATAGRAM)
            except BlockingIOError:
                return out
            if len(raw) % _CREDIT.size:
                raise ShmError(f"a credit datagram of {len(raw)} bytes on {self.path}")
            out.extend(_CREDIT.iter_unpack(raw))

    def close(self) -> None:
        self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class ZmqCreditOut:
    """``shm``: credits to one owner over a PUSH socket (never blocks: no high-water mark)."""

    def __init__(self, ctx: zmq.Context[Any], address: str) -> None:
        self.sock = ctx.socket(zmq.PUSH)
        self.sock.setsockopt(zmq.SNDHWM, 0)
        self.sock.connect(address)

    def send(self, credit: Credit) -> None:
        self.sock.send(json.dumps({"slot": credit[0], "gen": credit[1]}).encode())

    @property
    def pending(self) -> bool:
        return False

    def fileno(self) -> int:
        return -1

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.sock.close(linger=100)


class UnixCreditOut:
    """``shm-loan``: credits to one owner as datagrams; what does not fit waits here."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.connected = False
        self.backlog: list[Credit] = []

    def send(self, credit: Credit) -> None:
        self.backlog.append(credit)
        self.flush()

    @property
    def pending(self) -> bool:
        return bool(self.backlog)

    def fileno(self) -> int:
        return self.sock.fileno()

    def flush(self) -> None:
        """Send the backlog, oldest first, as far as the owner's queue has room."""
        while self.backlog:
            batch = self.backlog[:_CREDITS_PER_DATAGRAM]
            try:
                if not self.connected:
                    self.sock.connect(self.path)
                    self.connected = True
                self.sock.send(b"".join(_CREDIT.pack(*c) for c in batch))
            except BlockingIOError:
                return  # the owner's queue is full: it reads it when it needs a slot
            except (FileNotFoundError, ConnectionRefusedError):
                # The owner has closed its pool (it died, or the run is over): the
                # driver ends the run; there is nobody to give the slots back to.
                self.backlog.clear()
                return
            del self.backlog[: len(batch)]

    def close(self) -> None:
        self.backlog.clear()
        self.sock.close()


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
            fd = os.open(os.path.join(SHM_DIR, ref["seg"]), os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                mm = mmap.mmap(
                    fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ
                )
            finally:
                os.close(fd)
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


def check_generation(mm: mmap.mmap, ref: Meta) -> None:
    generation, nbytes = _HEADER.unpack_from(mm)
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
            out = (
                UnixCreditOut(credit_path(self.info.sock_dir, ref["owner"]))
                if self.loan
                else ZmqCreditOut(self.ctx, credit_address(self.info.sock_dir, ref["owner"]))
            )
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
