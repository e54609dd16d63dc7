"""Micro benchmarks: one hop of each rung, per resolution, inside one process.

A "hop" here is what the pipeline times between two processes minus the process
boundary: ``encode`` + send on the rung's real link (a ZeroMQ ``ipc://`` PUSH/PULL
pair, or a Unix socket for ``shm-loan``), receive + ``decode`` to a read-only view.
The JPEG codec is measured on its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from scenarios.codec import JpegCodec
from scenarios.frames import FrameSource
from scenarios.link import address_for, open_input, open_output
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
def sock_dir() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="scenarios-bench-"))
    yield tmp
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("res", list(RESOLUTIONS))
def test_hop(
    benchmark: Any,
    frames: dict[str, np.ndarray],
    sock_dir: Path,
    res: str,
    rung: str,
) -> None:
    ctx: zmq.Context[Any] = zmq.Context()
    info = EndpointInfo(rung=rung, stage="A", index=0, run_id="bench", sock_dir=str(sock_dir))
    sender = open_endpoint(replace(info, owns_pool=True), ctx)
    receiver = open_endpoint(replace(info, stage="B", index=1), ctx)
    # The link a run uses for the rung: ZeroMQ, or a Unix socket for shm-loan.
    address = address_for(rung, f"{sock_dir}/hop")
    inp = open_input(address, ctx, hwm=2, copy=receiver.recv_copy, service=receiver)
    out = open_output(address, ctx, hwm=2, copy=sender.send_copy, service=sender)
    # A list, so the loaned view can be dropped before the endpoint unmaps its slots.
    held = [frames[res]]

    def loan() -> None:
        """shm-loan, untimed: the source renders each frame straight into a fresh loan."""
        slot = sender.new_image(frames[res].shape)
        np.copyto(slot, frames[res])
        held[0] = slot

    def hop() -> None:
        # The metadata part travels on every rung; on shm rungs it is the whole message.
        meta: dict[str, Any] = {}
        wire = sender.encode(held[0], meta)
        out.send(meta, wire)
        meta, parts = inp.recv()
        view = receiver.decode(parts, meta)
        assert not view.flags.writeable
        del view, parts, wire
        receiver.release(meta)

    try:
        rounds = 40 if res == "4k" else 200
        if rung == "shm-loan":
            benchmark.pedantic(hop, setup=loan, rounds=rounds, warmup_rounds=3)
        else:
            benchmark.pedantic(hop, rounds=rounds, warmup_rounds=3)
    finally:
        held.clear()
        out.close(0)
        inp.close(0)
        sender.close()
        receiver.close()
        ctx.term()


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
