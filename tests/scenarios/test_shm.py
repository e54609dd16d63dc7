"""Shared-memory transport: safe slot reuse, clear resource errors, nothing left in /dev/shm."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from scenarios.transport import EndpointInfo
from scenarios.transport.shm import ShmEndpoint, ShmError
from scenarios.transport.shm import pool as pool_mod
from scenarios.transport.shm.attach import AttachCache
from scenarios.transport.shm.pool import SlotPool
from scenarios.transport.shm.segments import SHM_DIR, StaleSlot
from tests.helpers.processes import wait_until
from tests.scenarios.conftest import (
    endless_run,
    harness,
    load,
    one_clear_line,
    validate_results,
)

SHM = ["shm", "shm-loan"]


def segments_of(pids: Iterable[int]) -> list[str]:
    """/dev/shm entries created by any of ``pids`` (names carry the creator's pid)."""
    wanted = {f"-{pid}-" for pid in pids}
    return [
        n for n in os.listdir(SHM_DIR) if n.startswith("scenarios-") and any(w in n for w in wanted)
    ]


@pytest.fixture
def ctx() -> Iterator[zmq.Context[Any]]:
    c: zmq.Context[Any] = zmq.Context()
    yield c
    c.term()


def _info(tmp: Path, **kw: Any) -> EndpointInfo:
    base: dict[str, Any] = {
        "rung": "shm",
        "stage": "Owner",
        "index": 0,
        "run_id": "0ddba11",
        "sock_dir": str(tmp),
        "shm_slots": 2,
        "shm_slot_size": 4096,
        "owns_pool": True,
    }
    base.update(kw)
    return EndpointInfo(**base)


# -- end to end ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("rung", SHM)
@pytest.mark.parametrize("name", ["4k_raw", "1080p_raw", "4k_to_1080p_jpg"])
def test_more_frames_in_flight_than_slots_all_arrive_bit_exact(
    run_tmp: Path, rung: str, name: str
) -> None:
    out = run_tmp / "o.json"
    proc = harness(
        run_tmp,
        *["run", "--scenario", name, "--frames", "12", "--warmup", "2", "--output", str(out)],
        SCENARIOS_TRANSPORT=rung,
        SCENARIOS_SHM_SLOTS="2",
        SCENARIOS_INFLIGHT="5",
    )
    assert proc.returncode == 0, proc.stderr
    # Includes: no resource_tracker warning (nor anything else) on stderr.
    assert proc.stderr == ""
    doc = load(out)
    assert doc["meta"]["verified_frames"] == 14
    assert doc["meta"]["inflight"] == 5
    validate_results(doc, name, 12, [s["name"] for s in doc["stages"] if s["kind"] == "filter"])
    assert not [n for n in os.listdir(SHM_DIR) if doc["meta"]["run_id"] in n]


@pytest.mark.slow
def test_more_slots_than_a_credit_queue_holds_and_more_frames_than_slots(run_tmp: Path) -> None:
    """shm-loan credits are datagrams on a short queue: with 16 slots, some must wait."""
    out = run_tmp / "o.json"
    proc = harness(
        run_tmp,
        *["run", "--scenario", "1080p_raw", "--frames", "60", "--warmup", "2"],
        *["--output", str(out)],
        SCENARIOS_TRANSPORT="shm-loan",
        SCENARIOS_SHM_SLOTS="16",
        SCENARIOS_INFLIGHT="24",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    doc = load(out)
    assert doc["meta"]["verified_frames"] == 62
    assert not [n for n in os.listdir(SHM_DIR) if doc["meta"]["run_id"] in n]


@pytest.mark.slow
def test_a_frame_larger_than_a_slot_is_refused_up_front(run_tmp: Path) -> None:
    proc = harness(
        run_tmp,
        *["run", "--scenario", "4k_raw", "--frames", "2", "--warmup", "0"],
        *["--output", str(run_tmp / "o.json")],
        SCENARIOS_TRANSPORT="shm",
        SCENARIOS_SHM_SLOT_SIZE="8192",
    )
    assert proc.returncode == 2
    line = one_clear_line(proc.stderr)
    assert "62208 bytes" in line and "8192 bytes" in line and "SCENARIOS_SHM_SLOT_SIZE" in line


@pytest.mark.slow
def test_a_pool_that_cannot_fit_is_a_clear_error(run_tmp: Path) -> None:
    proc = harness(
        run_tmp,
        *["run", "--scenario", "480p_raw", "--frames", "2", "--warmup", "0"],
        *["--output", str(run_tmp / "o.json")],
        SCENARIOS_TRANSPORT="shm-loan",
        SCENARIOS_SHM_SLOT_SIZE=str(2**44),
    )
    assert proc.returncode == 2
    line = one_clear_line(proc.stderr)
    assert "/dev/shm" in line and "SCENARIOS_SHM_SLOT_SIZE" in line


@pytest.mark.slow
@pytest.mark.parametrize("rung", SHM)
def test_a_killed_stage_leaves_no_segment(tmp_path: Path, rung: str) -> None:
    with endless_run(tmp_path, SCENARIOS_TRANSPORT=rung) as (driver, pids):
        wait_until(lambda: segments_of(pids.values()), "the run's shared-memory segments")
        os.kill(pids["VideoIn"], signal.SIGKILL)  # VideoIn owns slots under both rungs
        _, stderr = driver.communicate(timeout=10)
    assert driver.returncode == 1
    assert "VideoIn" in one_clear_line(stderr)
    assert segments_of(pids.values()) == []


@pytest.mark.slow
@pytest.mark.parametrize("rung", SHM)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_the_driver_leaves_no_segment(
    tmp_path: Path, sig: signal.Signals, rung: str
) -> None:
    with endless_run(tmp_path, SCENARIOS_TRANSPORT=rung) as (driver, pids):
        wait_until(lambda: segments_of(pids.values()), "the run's shared-memory segments")
        driver.send_signal(sig)
        _, stderr = driver.communicate(timeout=10)
    assert driver.returncode == 130
    assert "resource_tracker" not in stderr
    one_clear_line(stderr)
    assert segments_of([*pids.values(), driver.pid]) == []


@pytest.mark.slow
def test_segments_of_dead_runs_are_removed_at_start(run_tmp: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Path(SHM_DIR) / f"scenarios-0badc0de-{dead.pid}-0-0"
    alive = Path(SHM_DIR) / f"scenarios-0badc0de-{os.getpid()}-0-0"
    stale.write_bytes(b"x" * 100)
    alive.write_bytes(b"x" * 100)
    try:
        proc = harness(
            run_tmp,
            *["run", "--scenario", "480p_raw", "--frames", "1", "--warmup", "0"],
            *["--output", str(run_tmp / "o.json")],
        )
        assert proc.returncode == 0, proc.stderr
        assert not stale.exists()
        assert alive.exists()  # its creator (this test) still runs
    finally:
        stale.unlink(missing_ok=True)
        alive.unlink(missing_ok=True)


# -- the pool and the references, in process ---------------------------------------------


def test_an_oversize_frame_is_a_value_error_naming_both_sizes(
    tmp_path: Path, ctx: zmq.Context[Any]
) -> None:
    ep = ShmEndpoint(_info(tmp_path), ctx)
    try:
        with pytest.raises(ValueError, match=r"5000 bytes.*4096 bytes.*SCENARIOS_SHM_SLOT_SIZE"):
            ep.encode(np.zeros(5000, np.uint8), {})
        loan = ShmEndpoint(_info(tmp_path, rung="shm-loan", index=1), ctx)
        with pytest.raises(ValueError, match="SCENARIOS_SHM_SLOT_SIZE"):
            loan.new_image((100, 100, 3))
        loan.close()
    finally:
        ep.close()


def test_a_full_dev_shm_is_a_clear_error_not_sigbus(
    tmp_path: Path, ctx: zmq.Context[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = set(os.listdir(SHM_DIR))
    with pytest.raises(ShmError, match="SCENARIOS_SHM_SLOT_SIZE"):
        SlotPool(_info(tmp_path, shm_slot_size=2**44), ctx)
    # And when the early free-space check is passed (a race), posix_fallocate still refuses.
    monkeypatch.setattr(pool_mod, "check_room", lambda nbytes, what: None)
    with pytest.raises(ShmError, match="is full"):
        SlotPool(_info(tmp_path, shm_slot_size=2**44), ctx)
    assert set(os.listdir(SHM_DIR)) <= before


def test_slots_are_reused_only_after_release_and_generations_catch_staleness(
    tmp_path: Path, ctx: zmq.Context[Any]
) -> None:
    pool = SlotPool(_info(tmp_path), ctx)
    reader = ShmEndpoint(_info(tmp_path, stage="Reader", index=1, owns_pool=False), ctx)
    try:
        refs = []
        for value in (1, 2):
            i = pool.acquire(1.0)
            pool.payload(i, 16)[:] = value
            refs.append(pool.reference(i, 16, (16,)))
        # Both slots are held downstream: the owner waits, then fails clearly.
        with pytest.raises(ShmError, match="no shared-memory slot came back"):
            pool.acquire(0.2)
        views = [reader.decode([], {"ref": r}) for r in refs]
        assert [int(v[0]) for v in views] == [1, 2]
        reader.release({"ref": refs[0]})
        i = pool.acquire(5.0)  # the credit came back over ZeroMQ
        assert i == refs[0]["slot"]
        # The slot was refilled: the old reference is stale, both to read and to release.
        with pytest.raises(StaleSlot, match="refilled under a reader"):
            AttachCache().view(refs[0])
        with pytest.raises(StaleSlot):
            reader.release({"ref": dict(refs[0])})
        del views
    finally:
        reader.close()
        pool.close()
    assert not [n for n in os.listdir(SHM_DIR) if "0ddba11" in n]


def test_a_forwarded_reference_moves_the_hold(tmp_path: Path, ctx: zmq.Context[Any]) -> None:
    owner = ShmEndpoint(_info(tmp_path, rung="shm-loan", shm_slot_size=2**16), ctx)
    middle = ShmEndpoint(_info(tmp_path, rung="shm-loan", index=1, owns_pool=False), ctx)
    sink = ShmEndpoint(_info(tmp_path, rung="shm-loan", index=2, owns_pool=False), ctx)
    try:
        image = owner.new_image((8, 8, 3))
        image[:] = 7
        m1: dict[str, Any] = {}
        assert owner.encode(image, m1) == []  # only a reference travels
        m1 = json.loads(json.dumps(m1))
        seen = middle.decode([], m1)
        m2: dict[str, Any] = {}
        middle.encode(seen, m2)
        assert (m2["ref"]["seg"], m2["ref"]["gen"]) == (m1["ref"]["seg"], m1["ref"]["gen"])
        middle.release(m1)  # moved downstream: no credit yet
        assert owner.pool is not None
        assert owner.pool.slots[m1["ref"]["slot"]].holders == 1
        m2 = json.loads(json.dumps(m2))
        assert int(sink.decode([], m2)[0]) == 7
        sink.release(m2)
        owner.pool.acquire(5.0)
        owner.pool.acquire(5.0)  # both slots free again: the credit arrived
        del image, seen
    finally:
        sink.close()
        middle.close()
        owner.close()


def _max_dgram_qlen() -> int:
    try:
        return int(Path("/proc/sys/net/unix/max_dgram_qlen").read_text())
    except (OSError, ValueError):
        return 10


@pytest.fixture
def loan_pair(tmp_path: Path, ctx: zmq.Context[Any]) -> Iterator[tuple[SlotPool, ShmEndpoint, int]]:
    """An shm-loan owner's pool with more slots than its credit queue holds, and a reader."""
    qlen = _max_dgram_qlen()
    if qlen > 64:
        pytest.skip(f"net.unix.max_dgram_qlen is {qlen}: too many slots to overflow it")
    slots = qlen + 6
    owner = ShmEndpoint(_info(tmp_path, rung="shm-loan", shm_slots=slots), ctx)
    reader = ShmEndpoint(_info(tmp_path, rung="shm-loan", index=1, owns_pool=False), ctx)
    try:
        assert owner.pool is not None
        yield owner.pool, reader, slots
    finally:
        reader.close()
        owner.close()


def _loan_every_slot_and_release(pool: SlotPool, reader: ShmEndpoint, slots: int) -> None:
    """Every slot read and released by ``reader`` before the owner reads a credit."""
    refs = []
    for _ in range(slots):
        i = pool.acquire(1.0)
        pool.payload(i, 16)[:] = i
        refs.append(pool.reference(i, 16, (16,)))
    for ref in refs:
        reader.decode([], {"ref": ref})
        reader.release({"ref": ref})  # never blocks, whatever the owner is doing
    assert reader.pending_fds()  # the owner has not read its queue: a backlog


def test_loan_credits_that_do_not_fit_the_owners_queue_wait_and_all_come_back(
    loan_pair: tuple[SlotPool, ShmEndpoint, int],
) -> None:
    """shm-loan credits are datagrams; the owner's queue is short, so some must wait."""
    pool, reader, slots = loan_pair
    _loan_every_slot_and_release(pool, reader, slots)
    pool._drain(0)
    assert 0 < len(pool.free) < slots
    reader.flush()  # what a stage does while it waits for input
    pool._drain(1000)
    assert sorted(pool.free) == list(range(slots))
    assert reader.pending_fds() == []


def test_a_stage_waiting_for_input_keeps_returning_credits(
    tmp_path: Path, loan_pair: tuple[SlotPool, ShmEndpoint, int]
) -> None:
    """The deadlock it prevents: an owner waits for slots whose credits sit in a reader."""
    from scenarios.link import UnixInput, UnixOutput

    pool, reader, slots = loan_pair
    link_in = UnixInput(str(tmp_path / "in-1"), reader)
    link_out = UnixOutput(str(tmp_path / "in-1"))
    all_back: list[bool] = []

    def owner_side() -> None:
        # Send the next frame only once every slot is free again (or give up after 10 s).
        deadline = time.monotonic() + 10
        while len(pool.free) < slots and time.monotonic() < deadline:
            pool._drain(100)
        all_back.append(len(pool.free) == slots)
        link_out.send({"kind": "frame"})

    try:
        link_out.send({"kind": "ping"})  # as in a run: connected before any frame
        assert link_in.recv() == ({"kind": "ping"}, [])
        _loan_every_slot_and_release(pool, reader, slots)
        t = threading.Thread(target=owner_side)
        t.start()
        assert link_in.recv() == ({"kind": "frame"}, [])
        t.join(15)
        assert all_back == [True]
    finally:
        link_out.close(0)
        link_in.close(0)
