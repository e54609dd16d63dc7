"""Nothing of a run is left behind: not on success, not when a stage dies, not on Ctrl-C."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.scenarios.conftest import (
    assert_no_leftovers,
    endless_run,
    harness,
    leftovers,
    one_clear_line,
    wait_for_frames,
)

pytestmark = pytest.mark.slow


def test_success_leaves_nothing(run_tmp: Path) -> None:
    out = run_tmp / "o.json"
    proc = harness(
        run_tmp,
        "run",
        "--scenario",
        "4k_raw",
        "--frames",
        "2",
        "--warmup",
        "1",
        "--output",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert leftovers(run_tmp) == []


# shm-loan links are Unix sockets: a dead neighbour is a broken pipe or end of file to
# the stages next to it, and they must leave the naming to the driver.
@pytest.mark.parametrize("transport", ["nocopy", "shm-loan"])
@pytest.mark.parametrize("victim", ["Detector", "Tracker", "VideoIn", "Sink"])
def test_a_killed_stage_fails_the_run_naming_it(
    tmp_path: Path, victim: str, transport: str
) -> None:
    out = tmp_path / "o.json"
    with endless_run(tmp_path, out, SCENARIOS_TRANSPORT=transport) as (driver, pids):
        wait_for_frames(pids)  # mid-run, not while the stages start
        os.kill(pids[victim], signal.SIGKILL)
        # The bar: the driver notices within 10 s (it polls every 100 ms).
        _, stderr = driver.communicate(timeout=10)
    assert driver.returncode == 1
    line = one_clear_line(stderr)
    assert victim in line and "SIGKILL" in line
    assert not out.exists()
    assert_no_leftovers(tmp_path)


@pytest.mark.parametrize("transport", ["nocopy", "shm-loan"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_the_driver_cleans_up(
    tmp_path: Path, sig: signal.Signals, transport: str
) -> None:
    with endless_run(tmp_path, SCENARIOS_TRANSPORT=transport) as (driver, pids):
        wait_for_frames(pids)
        driver.send_signal(sig)
        _, stderr = driver.communicate(timeout=10)
    assert driver.returncode == 130
    assert "interrupted" in one_clear_line(stderr)
    assert_no_leftovers(tmp_path)


def test_stages_die_with_a_killed_driver(tmp_path: Path) -> None:
    with endless_run(tmp_path) as (driver, _):
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
    # PR_SET_PDEATHSIG takes the stages down; only the socket directory is left, since
    # nothing of the driver ran after SIGKILL.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and [x for x in leftovers(tmp_path) if " " in x]:
        time.sleep(0.05)
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and stale[0].startswith("scenarios-"), stale
    # The next run removes it, as it removes the dead run's shared-memory segments.
    out = tmp_path / "next.json"
    args = ["run", "--scenario", "480p_raw", "--frames", "1", "--warmup", "0", "--output"]
    assert harness(tmp_path, *args, str(out)).returncode == 0
    assert_no_leftovers(tmp_path)


def test_an_interrupt_right_after_the_socket_directory_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal's handler runs between any two statements: here, right after ``mkdir``."""
    import tempfile

    import zmq

    from scenarios import driver
    from scenarios.catalog import BY_NAME
    from scenarios.config import Settings

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def interrupted(*args: object, **kwargs: object) -> None:
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("scenarios-")]
        raise KeyboardInterrupt

    monkeypatch.setattr(zmq, "Context", interrupted)
    with pytest.raises(KeyboardInterrupt):
        driver.run(BY_NAME["480p_raw"], 1, 0, Settings(scale=0.05))
    assert list(tmp_path.iterdir()) == []
