"""Every rung of the ladder delivers every frame bit-exact, read-only, over real sockets."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from scenarios import driver
from scenarios.catalog import BY_NAME
from scenarios.config import Settings
from scenarios.frames import FrameSource, checksum
from scenarios.link import address_for, open_input, open_output
from scenarios.stage import StageError, verify_frame
from scenarios.transport import RUNGS, EndpointInfo, open_endpoint

SCALE = 0.05


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("size", [(64, 48), (640, 480)])  # below and above zmq.COPY_THRESHOLD
def test_a_hop_is_bit_exact_and_read_only(rung: str, size: tuple[int, int], tmp_path: Path) -> None:
    """Over the link a run uses for the rung (ZeroMQ, or a Unix socket for shm-loan)."""
    ctx: zmq.Context[Any] = zmq.Context()
    common = EndpointInfo(rung=rung, stage="A", index=0, run_id="feedbeef", sock_dir=str(tmp_path))
    sender = open_endpoint(replace(common, shm_slots=2, owns_pool=True), ctx)
    receiver = open_endpoint(replace(common, stage="B", index=1), ctx)
    address = address_for(rung, f"{tmp_path}/in-1")
    inp = open_input(address, ctx, hwm=2, copy=receiver.recv_copy, service=receiver)
    out = open_output(address, ctx, hwm=2, copy=sender.send_copy, service=sender)
    source = FrameSource(*size, seed=7)
    try:
        for n in range(5):  # more frames than slots: slots come back and are reused
            image = source.render(n, sender.new_image(source.shape))
            expected = checksum(image)
            meta: dict[str, Any] = {}
            wire = sender.encode(image, meta)
            out.send(meta, wire)
            meta, parts = inp.recv()
            got = receiver.decode(parts, meta).reshape(source.shape)
            assert checksum(got) == expected
            assert not got.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                got[0, 0, 0] = 1
            del got, parts, image, wire
            receiver.release(meta)
    finally:
        out.close(0)
        inp.close(0)
        receiver.close()
        sender.close()
        ctx.term()


@pytest.mark.slow
@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("name", ["4k_raw", "1080p_raw", "4k_jpg"])
def test_every_frame_arrives_verified(rung: str, name: str, tmp_path: Path) -> None:
    doc = driver.run(BY_NAME[name], 4, 2, Settings(transport=rung, scale=SCALE))
    assert doc["meta"]["verified_frames"] == 6
    assert doc["meta"]["transport"] == rung
    assert len(doc["samples_ms"]) == 4


def test_frames_are_deterministic_and_differ_per_index() -> None:
    a, b = FrameSource(96, 54, seed=3), FrameSource(96, 54, seed=3)
    sums = [checksum(a.render(n, np.empty(a.shape, np.uint8))) for n in range(20)]
    assert sums == [checksum(b.render(n, np.empty(b.shape, np.uint8))) for n in range(20)]
    assert len(set(sums)) == 20


def test_the_sink_check_catches_a_stale_or_changed_frame() -> None:
    source = FrameSource(96, 54, seed=3)
    frame1 = source.render(1, np.empty(source.shape, np.uint8))
    meta = {"n": 1, "crc": checksum(frame1), "vh": 0}
    verify_frame(meta, frame1, jpeg=False, hops=2, where="Sink")
    stale = source.render(0, np.empty(source.shape, np.uint8))
    with pytest.raises(StageError, match="pixels differ at Sink"):
        verify_frame(meta, stale, jpeg=False, hops=2, where="Sink")
    with pytest.raises(StageError, match="1 of 2 hops verified"):
        verify_frame({"n": 1, "vh": 1}, frame1, jpeg=True, hops=2, where="Sink")


def test_work_is_simulated_on_the_cpu_too() -> None:
    doc = driver.run(BY_NAME["480p_raw"], 2, 1, Settings(work="cpu", scale=SCALE))
    assert doc["meta"]["work"] == "cpu"
    assert doc["meta"]["verified_frames"] == 3


@pytest.mark.parametrize("size", [(3840, 2160), (640, 480), (96, 54), (16, 16)])
def test_rendering_with_the_checksum_gives_the_same_frame_and_checksum(
    size: tuple[int, int],
) -> None:
    """The source checksums band by band as it renders: same pixels, same value."""
    source = FrameSource(*size, seed=11)
    for n in (0, 1, 250):
        plain = source.render(n, np.empty(source.shape, np.uint8))
        fused, crc = source.render_and_checksum(n, np.empty(source.shape, np.uint8))
        assert np.array_equal(plain, fused)
        assert crc == checksum(plain)
