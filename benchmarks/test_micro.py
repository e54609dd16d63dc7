"""Micro benchmarks: one hop of each rung, per resolution, inside one process.

A "hop" here is what the pipeline times between two processes minus the process
boundary: ``encode`` + send on a real ``ipc://`` PUSH socket, receive on its PULL
peer + ``decode`` to a read-only view. The JPEG codec is measured on its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from scenarios.codec import JpegCodec
from scenarios.frames import FrameSource
from scenarios.transport import RUNGS, EndpointInfo, open_endpoint

RESOLUTIONS = {"480p": (640, 480), "1080p": (1920, 1080), "4k": (3840, 2160)}


@pytest.fixture(scope="module")
def frames() -> dict[str, np.ndarray]:
    out = {}
    for name, (w, h) in RESOLUTIONS.items():
        src = FrameSource(w, h, seed=1)
        out[name] = src.render(0, np.empty(src.shape, np.uint8))
    return out


@pytest.fixture
def hop_sockets() -> Iterator[tuple[zmq.Socket[Any], zmq.Socket[Any]]]:
    ctx: zmq.Context[Any] = zmq.Context()
    tmp = Path(tempfile.mkdtemp(prefix="scenarios-bench-"))
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    for s in (push, pull):
        s.setsockopt(zmq.SNDHWM, 2)
        s.setsockopt(zmq.RCVHWM, 2)
    pull.bind(f"ipc://{tmp}/hop")
    push.connect(f"ipc://{tmp}/hop")
    yield push, pull
    push.close(linger=0)
    pull.close(linger=0)
    ctx.term()
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("res", list(RESOLUTIONS))
def test_hop(
    benchmark: Any,
    frames: dict[str, np.ndarray],
    hop_sockets: tuple[zmq.Socket[Any], zmq.Socket[Any]],
    res: str,
    rung: str,
) -> None:
    push, pull = hop_sockets
    sender = open_endpoint(EndpointInfo(rung=rung, stage="A", index=0, run_id="bench"))
    receiver = open_endpoint(EndpointInfo(rung=rung, stage="B", index=1, run_id="bench"))
    # A list, so the loaned view can be dropped before the endpoint unmaps its slots.
    held = [frames[res]]
    if rung == "shm-loan":
        # The loan path's whole point: the image already lives in a slot.
        loaned = sender.new_image(held[0].shape)
        np.copyto(loaned, held[0])
        held[0] = loaned
        del loaned

    def hop() -> None:
        meta: dict[str, Any] = {}
        push.send_multipart(sender.encode(held[0], meta), copy=sender.send_copy)
        parts = pull.recv_multipart(0, receiver.recv_copy)
        view = receiver.decode(parts, meta)
        assert not view.flags.writeable
        del view, parts
        receiver.release(meta)

    try:
        benchmark.pedantic(hop, rounds=40 if res == "4k" else 200, warmup_rounds=3)
    finally:
        held.clear()
        sender.close()
        receiver.close()


@pytest.mark.parametrize("res", list(RESOLUTIONS))
def test_jpeg_encode(benchmark: Any, frames: dict[str, np.ndarray], res: str) -> None:
    codec = JpegCodec()
    payload = benchmark.pedantic(codec.encode, args=(frames[res],), rounds=10, warmup_rounds=1)
    benchmark.extra_info["jpeg_bytes"] = int(payload.nbytes)


@pytest.mark.parametrize("res", list(RESOLUTIONS))
def test_jpeg_decode(benchmark: Any, frames: dict[str, np.ndarray], res: str) -> None:
    codec = JpegCodec()
    payload = codec.encode(frames[res])
    shape = frames[res].shape
    benchmark.pedantic(codec.decode, args=(payload, shape), rounds=10, warmup_rounds=1)
