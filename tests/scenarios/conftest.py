"""Helpers for the scenarios tests: run the real harness, validate its output, find leftovers.

Frames are shrunk with ``SCENARIOS_SCALE`` so the whole suite stays fast; every
run gets its own ``TMPDIR`` so its socket directory and processes can be found.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import processes

SCALE = "0.05"
# A run long enough that it is certainly still going when a test strikes.
ENDLESS = ["run", "--scenario", "480p_raw", "--frames", "100000", "--warmup", "1"]
STAGES = {"VideoIn", "Detector", "Tracker", "Sink"}  # of 480p_raw
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
SCHEMA = "perf-waterfall/results@1"


def harness_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCENARIOS_")}
    env["TMPDIR"] = str(tmp)
    env["SCENARIOS_SCALE"] = SCALE
    env.update(extra)
    return env


def harness(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m scenarios ARGS`` as perf-waterfall would run it."""
    return subprocess.run(
        [sys.executable, "-m", "scenarios", *args],
        env=harness_env(tmp, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start_harness(tmp: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scenarios", *args],
        env=harness_env(tmp, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def processes_mentioning(marker: str) -> dict[int, list[str]]:
    """Live processes whose command line mentions ``marker`` (the run's TMPDIR)."""
    return processes.running_where(
        lambda pid: any(marker in a for a in processes.cmdline(pid) or ())
    )


def stage_pids(tmp: Path) -> dict[str, int]:
    """Stage name -> pid for the stage processes of the run under ``tmp``."""
    out = {}
    for pid, argv in processes_mentioning(str(tmp)).items():
        if "scenarios.stage" in argv and "--name" in argv:
            out[argv[argv.index("--name") + 1]] = pid
    return out


def wait_for_stages(tmp: Path, names: set[str], timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = stage_pids(tmp)
        if names <= set(pids):
            return pids
        time.sleep(0.05)
    raise AssertionError(f"stages {names} did not start; found {stage_pids(tmp)}")


def wait_for_frames(pids: Mapping[str, int], frames: int = 25, timeout: float = 60) -> None:
    """Until frames flow through the pipeline whose stages are ``pids`` (name -> pid).

    The evidence: the Sink, the last stage, has blocked ``frames`` times waiting for
    its next frame (its main thread's voluntary context switches). Before the first
    frame a stage blocks a few times at most (starting, passing the ping); once frames
    flow, about once a frame. Fails if that count stops short (a stage died, or
    frames never came).
    """
    sink = pids["Sink"]

    def flowing() -> bool:
        switches = processes.voluntary_switches(sink)
        assert switches is not None, "the Sink ended before frames were flowing"
        return switches >= frames

    processes.wait_until(flowing, f"{frames} frames through the Sink", timeout)


@contextmanager
def endless_run(
    tmp: Path, output: Path | None = None, **env: str
) -> Iterator[tuple[subprocess.Popen[str], dict[str, int]]]:
    """An ENDLESS run under ``tmp`` and its stages' pids, once all four run.

    Whatever the test does with it, the driver is killed (and reaped) at the end.
    """
    out = output or tmp / "o.json"
    driver = start_harness(tmp, *ENDLESS, "--output", str(out), **env)
    try:
        yield driver, wait_for_stages(tmp, STAGES)
    finally:
        kill_quietly(driver)


def leftovers(tmp: Path) -> list[str]:
    """Socket directories, and processes, of runs under ``tmp`` that are still there."""
    dirs = [p.name for p in tmp.iterdir() if p.name.startswith("scenarios-")]
    procs = [" ".join(a[:4]) for a in processes_mentioning(str(tmp)).values()]
    return dirs + procs


def assert_no_leftovers(tmp: Path, within: float = 5.0) -> None:
    # The kernel reaps a SIGKILLed orphan asynchronously: give it a moment, no more.
    deadline = time.monotonic() + within
    while leftovers(tmp) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(tmp) == []


def one_clear_line(stderr: str) -> str:
    """Errors are one line, never a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def validate_results(doc: Any, name: str, frames: int, filters: list[str]) -> None:
    """The results document as harness-protocol.md specifies it."""
    assert isinstance(doc, dict)
    assert doc["schema"] == SCHEMA
    assert doc["scenario"]["name"] == name
    assert isinstance(doc["scenario"]["label"], str) and doc["scenario"]["label"]
    assert isinstance(doc["scenario"]["params"], dict)
    stages = doc["stages"]
    expected: list[dict[str, str]] = []
    for i, f in enumerate(filters):
        if i:
            expected.append({"name": f"hop {i}", "kind": "ipc"})
        expected.append({"name": f, "kind": "filter"})
    assert stages == expected
    rows = doc["samples_ms"]
    assert len(rows) == frames
    for row in rows:
        assert len(row) == len(stages)
        for v in row:
            assert isinstance(v, int | float) and not isinstance(v, bool)
            assert math.isfinite(v) and v >= 0
    assert isinstance(doc["meta"], dict)
    # What the machine line shows: the harness's interpreter and packages, from metadata.
    assert isinstance(doc["meta"]["python"], str) and doc["meta"]["python"]
    packages = doc["meta"]["packages"]
    assert {"numpy", "pyzmq"} <= set(packages) <= {"numpy", "pyzmq", "simplejpeg"}
    assert all(isinstance(v, str) and v for v in packages.values())


def kill_quietly(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.fixture
def run_tmp(tmp_path: Path) -> Iterator[Path]:
    """A TMPDIR for one harness run; fails the test if the run left anything behind."""
    yield tmp_path
    assert_no_leftovers(tmp_path)


def load(path: Path) -> Any:
    return json.loads(path.read_text())
