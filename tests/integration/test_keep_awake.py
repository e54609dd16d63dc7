"""While rounds run, perf-waterfall holds the keep-awake request; after them, it does not.

A real repository and real harness processes: each round looks, from inside, at this
process's descriptors in /proc and at the kernel's latency limit (tests/helpers/
awake_harness.py). The run is measured in this process, so the descriptor is ours.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.measure import keep_awake
from perfwaterfall.measure.collect import measure_bundle
from perfwaterfall.measure.plan import PlannedRound
from perfwaterfall.measure.run import MeasureRequest, QuietObserver, SideRequest, measure
from tests.helpers.cli import run_cli_process
from tests.helpers.gitrepo import build_repo

HELPERS = Path(__file__).parents[1] / "helpers"
DEVICE = str(keep_awake.DEVICE)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_repo(
        tmp_path / "repo",
        [
            ("write", "bench.py", (HELPERS / "awake_harness.py").read_text()),
            ("write", "fake_results.py", (HELPERS / "fake_results.py").read_text()),
            (
                "write",
                "pyproject.toml",
                '[tool.perf-waterfall]\nharness = ["{python}", "bench.py"]\n',
            ),
            ("commit", "baseline"),
            ("branch", "base"),
            ("write", "README", "head\n"),
            ("commit", "head"),
        ],
    )


@pytest.fixture
def device() -> Path:
    if keep_awake.denied_reason(True, keep_awake.DEVICE) is not None:
        pytest.skip(f"{DEVICE} cannot be opened here (not root, no udev rule)")
    return keep_awake.DEVICE


def request(repo: Path, seen: Path, keep: bool | None = True, fail: str = "") -> MeasureRequest:
    env = {"AWAKE_PID": str(os.getpid()), "AWAKE_OUT": str(seen)}
    return MeasureRequest(
        repo=repo,
        sides=(
            SideRequest("base", "base", env),
            SideRequest("head", "HEAD", {**env, "AWAKE_FAIL": fail}),
        ),
        scenarios=(),
        frames=3,
        warmup=0,
        policy=RoundsPolicy.fixed(2),
        keep_awake=keep,
    )


def rounds_seen(seen: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in seen.read_text().splitlines()]


def we_hold_it() -> bool:
    return any(os.readlink(f"/proc/self/fd/{fd}") == DEVICE for fd in _fds())


def _fds() -> list[str]:
    return [fd for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")]


def test_every_round_runs_held_and_the_bundle_says_so(
    repo: Path, tmp_path: Path, device: Path
) -> None:
    seen = tmp_path / "seen.jsonl"
    bundle = measure_bundle(request(repo, seen))
    rounds = rounds_seen(seen)
    assert len(rounds) == 2 * 2 * 2  # two scenarios, two sides, two rounds
    assert all(r["held"] and r["limit"] == 0 for r in rounds)
    assert not we_hold_it()
    assert bundle.machine.keep_awake == keep_awake.HELD
    assert not any("keep-awake" in w for w in bundle.warnings)


def test_a_failing_round_ends_the_hold(repo: Path, tmp_path: Path, device: Path) -> None:
    seen = tmp_path / "seen.jsonl"
    measurement = measure(request(repo, seen, fail="two"))
    assert measurement.failure is not None
    assert all(r["held"] for r in rounds_seen(seen))
    assert not we_hold_it()


class InterruptSecondRound(QuietObserver):
    def __init__(self) -> None:
        self.started = 0

    def round_started(self, planned: PlannedRound) -> None:
        self.started += 1
        if self.started == 2:
            assert we_hold_it()
            raise KeyboardInterrupt


def test_an_interrupt_ends_the_hold(repo: Path, tmp_path: Path, device: Path) -> None:
    seen = tmp_path / "seen.jsonl"
    with pytest.raises(KeyboardInterrupt):
        measure(request(repo, seen), InterruptSecondRound())
    assert len(rounds_seen(seen)) == 1
    assert not we_hold_it()


def test_switched_off_no_round_holds_it(repo: Path, tmp_path: Path) -> None:
    seen = tmp_path / "seen.jsonl"
    measurement = measure(request(repo, seen, keep=False))
    assert measurement.keep_awake == keep_awake.OFF
    assert not any(r["held"] for r in rounds_seen(seen))


def test_a_run_that_may_not_hold_it_says_so_once_and_measures(repo: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-device"
    env = {
        **os.environ,
        keep_awake.DEVICE_ENV: str(missing),
        "AWAKE_PID": "self",
        "AWAKE_OUT": str(tmp_path / "seen.jsonl"),
    }
    env.pop(keep_awake.SWITCH_ENV, None)
    done = run_cli_process(
        [
            "compare",
            "base",
            "HEAD",
            "--rounds",
            "2",
            "--frames",
            "3",
            "--warmup",
            "0",
            "--format",
            "markdown",
            "--repo",
            repo,
        ],
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert said.count("rounds ran with the CPUs free to idle") == 1, said  # said once
    assert "no such device" in said
    machine = [ln for ln in done.stdout.splitlines() if ln.startswith("- Machine: ")]
    assert len(machine) == 1 and "keep-awake denied" in machine[0], machine
    assert len(rounds_seen(tmp_path / "seen.jsonl")) == 2 * 2 * 2  # and it went on
