"""How messages travel between neighbouring stages: a ZeroMQ socket or a Unix socket.

An address names the kind. ``ipc://PATH`` is a ZeroMQ PUSH/PULL pair (every rung
but ``shm-loan``, and always the driver's own "go" and "done" sockets);
``unix:PATH`` is a ``SOCK_SEQPACKET`` Unix socket that carries one message per
``send``, with no payload parts (``shm-loan``: only a small reference travels).
A link also serializes the frame metadata: JSON over ZeroMQ (as it always was),
``marshal`` over a Unix socket. Both ends are this package on the same
interpreter, behind a private socket directory, so ``marshal`` is safe here, and
on a receiver that has just woken with cold caches it decodes in about a third
of JSON's time (a third of the code to run); the hop is timed around it all the
same.

Why two. A ZeroMQ hop wakes three threads: the sender's I/O thread, the
receiver's I/O thread, then the receiver's own thread. In a synchronous pipeline
every receiver has slept through a filter's work, so each of those wake-ups is
a cold one, and on the loan rung (nothing else to move) they are the whole hop.
A Unix socket's ``send`` puts the message straight into the receiver's queue and
wakes the one thread blocked in ``recv``.

A neighbour that dies closes its end: ``recv`` sees end of file, ``send`` a broken
pipe. Either raises ``LinkClosed``; the stage then waits for the driver, which
names the stage that died (ZeroMQ would have waited the same way, silently).
"""

from __future__ import annotations

import contextlib
import functools
import json
import marshal
import os
import select
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol

import zmq

UNIX = "unix:"
# A reference with its metadata is a few hundred bytes; anything near this is a bug.
MAX_MESSAGE = 1 << 16
CONNECT_RETRY_S = 0.005


class LinkClosed(Exception):
    """The stage at the other end of a link is gone."""


class Service(Protocol):
    """What a stage must keep doing while it waits for input (return credits)."""

    def pending_fds(self) -> list[int]:
        """Descriptors that have messages waiting to be written; empty when none."""
        ...

    def flush(self) -> None:
        """Write what can be written now, without blocking."""
        ...


Meta = dict[str, Any]


class Link(ABC):
    #: When the first part of the last message ``recv`` returned was in hand
    #: (``perf_counter_ns``): the wait ends here, taking the rest starts (hop_parts.py).
    ready_ns: int = 0

    @abstractmethod
    def recv(self) -> tuple[Meta, list[Any]]:
        """The next message: its metadata, then its payload parts."""

    @abstractmethod
    def send(self, meta: Meta, parts: Sequence[Any] = ()) -> None:
        """One message; blocks while the receiver's queue is full."""

    @abstractmethod
    def close(self, linger_ms: int) -> None:
        """Free the socket (and its file); ``linger_ms`` only matters to ZeroMQ."""


def is_unix(address: str) -> bool:
    return address.startswith(UNIX)


def address_for(rung: str, path: str) -> str:
    """The address of a link between two stages at socket path ``path`` under ``rung``."""
    from scenarios.transport import UNIX_LINK_RUNGS

    return f"{UNIX}{path}" if rung in UNIX_LINK_RUNGS else f"ipc://{path}"


class ZmqLink(Link):
    """A PULL socket bound at the stage's input, or a PUSH socket connected to its output."""

    def __init__(self, sock: zmq.Socket[Any], *, copy: bool) -> None:
        self.sock = sock
        self.copy = copy

    def recv(self) -> tuple[Meta, list[Any]]:
        # recv_multipart, unrolled: the first part (the small metadata) ends the wait, so
        # the payload's copy in a copying receive is timed apart from it, at no extra call.
        parts: list[Any] = [self.sock.recv(0, self.copy)]
        self.ready_ns = time.perf_counter_ns()
        while self.sock.rcvmore:
            parts.append(self.sock.recv(0, self.copy))
        meta: Meta = json.loads(parts[0] if self.copy else parts[0].bytes)
        return meta, parts[1:]

    def send(self, meta: Meta, parts: Sequence[Any] = ()) -> None:
        self.sock.send_multipart([json.dumps(meta).encode(), *parts], copy=self.copy)

    def close(self, linger_ms: int) -> None:
        self.sock.close(linger=linger_ms)


class UnixInput(Link):
    """The receiving end: listens at the path, accepts its one upstream neighbour lazily."""

    def __init__(self, path: str, service: Service | None = None) -> None:
        self.path = path
        self.service = service
        self.listener: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.listener.bind(path)
        self.listener.listen(1)
        self.conn: socket.socket | None = None

    def recv(self) -> tuple[Meta, list[Any]]:
        if self.conn is None:
            assert self.listener is not None
            self.conn, _ = self.listener.accept()
        pending = self.service.pending_fds() if self.service is not None else []
        if pending:
            self._wait_serving(self.conn, pending)
        # One byte more than allowed: a message that fills the buffer was cut short.
        data = self.conn.recv(MAX_MESSAGE + 1)
        # The message is the metadata alone (a reference): nothing to take apart from the wait.
        self.ready_ns = time.perf_counter_ns()
        if not data:
            raise LinkClosed(f"the stage sending to {self.path} is gone")
        if len(data) > MAX_MESSAGE:
            raise ValueError(f"a message on {self.path} is larger than {MAX_MESSAGE} bytes")
        meta: Meta = marshal.loads(data)
        return meta, []

    def _wait_serving(self, conn: socket.socket, pending: list[int]) -> None:
        """Block until input arrives, returning credits as their queues make room."""
        assert self.service is not None
        while pending:
            poller = select.poll()
            poller.register(conn, select.POLLIN)
            for fd in pending:
                poller.register(fd, select.POLLOUT)
            ready = poller.poll()
            if any(fd != conn.fileno() for fd, _ in ready):
                self.service.flush()
            if any(fd == conn.fileno() for fd, _ in ready):
                return
            pending = self.service.pending_fds()

    def send(self, meta: Meta, parts: Sequence[Any] = ()) -> None:
        raise TypeError("a stage's input link only receives")

    def close(self, linger_ms: int) -> None:
        for sock in (self.conn, self.listener):
            if sock is not None:
                sock.close()
        self.conn = self.listener = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class UnixOutput(Link):
    """The sending end: connects on first use (the neighbour may still be starting)."""

    def __init__(self, path: str, service: Service | None = None) -> None:
        self.path = path
        self.service = service
        self.sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        while True:
            try:
                sock.connect(self.path)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                # Not bound yet. Should the neighbour never come up, the driver sees it
                # exit (or stall) and terminates this stage.
                time.sleep(CONNECT_RETRY_S)
            except BaseException:
                sock.close()
                raise

    def recv(self) -> tuple[Meta, list[Any]]:
        raise TypeError("a stage's output link only sends")

    def send(self, meta: Meta, parts: Sequence[Any] = ()) -> None:
        if parts:
            raise TypeError(f"{self.path} carries references only, not payload parts")
        if self.sock is None:
            self.sock = self._connect()
        data = marshal.dumps(meta)
        if self.service is not None and self.service.pending_fds():
            self.service.flush()
        try:
            self.sock.send(data, socket.MSG_NOSIGNAL)
        except (BrokenPipeError, ConnectionResetError):
            raise LinkClosed(f"the stage receiving on {self.path} is gone") from None
        # The kernel wakes the receiver as a synchronous wake-up, so it is usually
        # queued on this CPU (the other one is halted, and waking that costs more);
        # without this it would wait for our bookkeeping after the send until we
        # block. Not a spin: with nothing else to run, this returns at once.
        os.sched_yield()

    def close(self, linger_ms: int) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def open_link(
    address: str,
    ctx: zmq.Context[Any],
    *,
    listen: bool,
    hwm: int,
    copy: bool,
    service: Service | None = None,
) -> Link:
    """One end of a link: a stage's input (``listen``) or its output.

    An input is bound at ``address``, which is the stage's own; an output connects to
    the next stage's input there.
    """
    if is_unix(address):
        path = address[len(UNIX) :]
        return UnixInput(path, service) if listen else UnixOutput(path, service)
    if listen:
        sock = ctx.socket(zmq.PULL)
        sock.setsockopt(zmq.RCVHWM, hwm)
        sock.bind(address)
    else:
        sock = ctx.socket(zmq.PUSH)
        sock.setsockopt(zmq.SNDHWM, hwm)
        sock.setsockopt(zmq.RECONNECT_IVL, 10)
        sock.connect(address)
    return ZmqLink(sock, copy=copy)


#: The stage's input, bound at the address (it is the stage's own).
open_input = functools.partial(open_link, listen=True)
#: The stage's output, connected to the next stage's input at the address.
open_output = functools.partial(open_link, listen=False)
