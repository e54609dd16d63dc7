"""Credits: a reader letting go of a slot tells its owner, which frees it at zero holders.

Under ``shm`` credits go over ZeroMQ, like its references. Under ``shm-loan`` they are
Unix datagrams (``credit-<owner>.dgram`` in the run's socket directory), as its
references travel over a Unix socket (``scenarios.link``): the owner is not woken by
a credit, it reads what has queued up when it next needs a slot. A datagram queue is
short (``net.unix.max_dgram_qlen``), so a credit that does not fit waits in the
releaser, which sends it as soon as the owner has read the queue; a stage waiting
for input keeps doing that (``pending``/``flush``), so no credit is ever stuck
behind a blocked stage.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import struct
from typing import Any

import zmq

from scenarios.transport.shm.segments import ShmError

Credit = tuple[int, int]  # slot, generation
_CREDIT = struct.Struct("<QQ")
# Credits per datagram when a backlog is sent at once (a few KB).
_CREDITS_PER_DATAGRAM = 256


def credit_address(sock_dir: str, owner: int) -> str:
    return f"ipc://{sock_dir}/credit-{owner}"


def credit_path(sock_dir: str, owner: int) -> str:
    return os.path.join(sock_dir, f"credit-{owner}.dgram")


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


def credits_in(loan: bool, ctx: zmq.Context[Any], sock_dir: str, owner: int) -> CreditIn:
    """Where stage ``owner`` receives the credits for its slots."""
    if loan:
        return UnixCreditIn(credit_path(sock_dir, owner))
    return ZmqCreditIn(ctx, credit_address(sock_dir, owner))


def credits_out(
    loan: bool, ctx: zmq.Context[Any], sock_dir: str, owner: int
) -> ZmqCreditOut | UnixCreditOut:
    """How a reader sends stage ``owner`` the credits for its slots."""
    if loan:
        return UnixCreditOut(credit_path(sock_dir, owner))
    return ZmqCreditOut(ctx, credit_address(sock_dir, owner))
