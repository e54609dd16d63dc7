"""Echo peer for the timing-overhead benchmark: bounce every message back, timed or not.

Run as ``python pingpong.py IN_ADDR OUT_ADDR`` (ZeroMQ), or ``python pingpong.py
unix PATH`` to echo timed hops over a Unix ``SOCK_SEQPACKET`` socket (the shm-loan
link) listening at PATH. Three kinds of ZeroMQ message: empty
parts (bare ping-pong); a metadata part without timestamps (parsed and sent
back as is); a metadata part with ``ts`` (the hop that brought it is timed as a
whole, and the reply is stamped for the next hop); a metadata part with ``ss`` too
(the hop and its parts timed the way ``scenarios.stage`` times them,
scenarios.hop_parts).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from typing import Any

import numpy as np
import zmq

from scenarios.hop_parts import hop_parts

now = time.perf_counter_ns


def timed_send(sock: zmq.Socket[Any], meta: dict[str, Any]) -> None:
    """The sending half of an instrumented hop with an empty payload."""
    t0 = now()
    out = {**meta, "ts": t0, "ex": 0, "nb": 0}
    sock.send_multipart([json.dumps(out).encode(), b""], copy=False)


def timed_recv(sock: zmq.Socket[Any]) -> dict[str, Any]:
    """The receiving half: parse the metadata, build the view, record the hop."""
    parts = sock.recv_multipart(copy=False)
    meta: dict[str, Any] = json.loads(parts[0].bytes)
    view = np.frombuffer(parts[1].buffer, dtype=np.uint8)
    view.flags.writeable = False
    meta["t"].append(now() - meta["ts"] - meta["ex"])
    return meta


def parted_send(sock: zmq.Socket[Any], meta: dict[str, Any]) -> None:
    """The sending half as the stages time it now: the hop and the stamps of its parts.

    The payload is the same empty part as the other modes send: only the timing differs.
    """
    t0 = now()
    encoded = now()
    out = {**meta, "ts": t0, "ex": 0, "te": encoded, "nb": 0}
    out["ss"] = now()
    sock.send_multipart([json.dumps(out).encode(), b""], copy=False)


def parted_recv(sock: zmq.Socket[Any]) -> dict[str, Any]:
    """The receiving half, as scenarios.link takes a message: the first part, a stamp, the
    rest; then the view, the hop and its parts."""
    parts = [sock.recv(copy=False)]
    ready = now()
    while sock.rcvmore:
        parts.append(sock.recv(copy=False))
    meta: dict[str, Any] = json.loads(parts[0].bytes)
    return parted_finish(meta, parts, ready, now())


def parted_finish(
    meta: dict[str, Any], parts: list[Any], ready: int, arrived: int
) -> dict[str, Any]:
    view = np.frombuffer(parts[1].buffer, dtype=np.uint8)
    viewed = now()
    view.flags.writeable = False
    ended = now()
    meta["t"].append(ended - meta["ts"] - meta["ex"])
    meta["st"] += hop_parts(
        jpeg=False,
        started=meta["ts"] + meta["ex"],
        encoded=meta["te"],
        serialized=meta["ss"],
        ready=ready,
        arrived=arrived,
        viewed=viewed,
        ended=ended,
        excluded=0,
    )
    return meta


def meta_send(sock: zmq.Socket[Any], meta: dict[str, Any]) -> None:
    """The same metadata message without any timestamp: what a hop costs untimed."""
    sock.send_multipart([json.dumps(meta).encode(), b""], copy=False)


def meta_recv(sock: zmq.Socket[Any]) -> dict[str, Any]:
    parts = sock.recv_multipart(copy=False)
    meta: dict[str, Any] = json.loads(parts[0].bytes)
    view = np.frombuffer(parts[1].buffer, dtype=np.uint8)
    view.flags.writeable = False
    return meta


def untimed_send(sock: zmq.Socket[Any]) -> None:
    sock.send_multipart([b"", b""], copy=False)


def untimed_recv(sock: zmq.Socket[Any]) -> None:
    parts = sock.recv_multipart(copy=False)
    view = np.frombuffer(parts[1].buffer, dtype=np.uint8)
    view.flags.writeable = False


def unix_timed_send(sock: socket.socket, meta: dict[str, Any]) -> None:
    """The sending half of an instrumented shm-loan-style hop: the metadata is the message."""
    t0 = now()
    sock.send(json.dumps({**meta, "ts": t0, "ex": 0, "nb": 0}).encode())


def unix_timed_recv(sock: socket.socket) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(sock.recv(1 << 16))
    view = np.frombuffer(b"", dtype=np.uint8)
    view.flags.writeable = False
    meta["t"].append(now() - meta["ts"] - meta["ex"])
    return meta


def unix_main(path: str) -> int:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(1)
    conn, _ = listener.accept()
    while True:
        raw = conn.recv(1 << 16)
        if raw in (b"", b"stop"):
            break
        meta = json.loads(raw)
        meta["t"].append(now() - meta["ts"] - meta["ex"])
        unix_timed_send(conn, meta)
    conn.close()
    listener.close()
    return 0


def main() -> int:
    if sys.argv[1] == "unix":
        return unix_main(sys.argv[2])
    ctx: zmq.Context[Any] = zmq.Context()
    inp, out = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
    inp.bind(sys.argv[1])
    out.connect(sys.argv[2])
    while True:
        parts = [inp.recv(copy=False)]
        ready = now()  # a parted hop's stamp: the first part is in hand
        while inp.rcvmore:
            parts.append(inp.recv(copy=False))
        head = parts[0].bytes
        if head == b"stop":
            break
        if head:
            meta: dict[str, Any] = json.loads(head)
            if "ss" in meta:
                parted_send(out, parted_finish(meta, parts, ready, now()))
                continue
            np.frombuffer(parts[1].buffer, dtype=np.uint8).flags.writeable = False
            if "ts" in meta:
                meta["t"].append(now() - meta["ts"] - meta["ex"])
                timed_send(out, meta)
            else:
                meta_send(out, meta)
        else:
            np.frombuffer(parts[1].buffer, dtype=np.uint8).flags.writeable = False
            untimed_send(out)
    inp.close(linger=0)
    out.close(linger=0)
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
