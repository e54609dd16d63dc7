"""load_snapshot on this machine, with a real busy process of its own; busy_warning's rules."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from perfwaterfall.measure.load import (
    LOAD_PER_CPU_LIMIT,
    OTHERS_CPU_LIMIT,
    busy_warning,
    load_snapshot,
)

# A name with an escape sequence that would clear the terminal: the snapshot must escape it.
BUSY_NAME = "pw-busy\x1b[2J"
BUSY_LOOP = f"open('/proc/self/comm', 'w').write({BUSY_NAME!r})\nwhile True: pass"
KEYS = {
    "version",
    "time",
    "cpus",
    "usable_cpus",
    "load_avg",
    "sample_s",
    "busy_fraction",
    "steal_fraction",
    "per_cpu_busy",
    "others_cpu",
    "top",
}


@pytest.fixture
def busy_child() -> Iterator[subprocess.Popen[bytes]]:
    """A process spinning on one CPU, killed and reaped whatever the test does."""
    child = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.2)  # past the interpreter's start, into the loop
        yield child
    finally:
        child.kill()
        child.wait(timeout=10)


def quiet(**changes: Any) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "version": 1,
        "cpus": 2,
        "load_avg": [0.1, 0.1, 0.1],
        "others_cpu": 0.02,
        "steal_fraction": 0.0,
        "top": [{"pid": 7, "name": "sshd", "cpu": 0.02}],
    }
    return snapshot | changes


def test_a_snapshot_is_quick_json_ready_and_has_every_key() -> None:
    started = time.perf_counter()
    snapshot = load_snapshot()
    elapsed = time.perf_counter() - started
    assert set(snapshot) == KEYS
    assert json.loads(json.dumps(snapshot, allow_nan=False)) == snapshot
    assert snapshot["sample_s"] <= 0.3
    assert elapsed < 1.0  # ≤ 0.3 s on a quiet machine; a shared 2-core runner gets slack
    assert snapshot["cpus"] >= 1
    assert all(0.0 <= share <= 1.0 for share in snapshot["per_cpu_busy"])


def test_a_busy_process_is_listed_escaped_and_the_warning_fires(
    busy_child: subprocess.Popen[bytes],
) -> None:
    before = load_snapshot(top=5)  # 5, not 3: other tests may share the machine
    for _ in range(3):  # a snapshot is 0.2 s: the scheduler may starve the child for one
        after = load_snapshot(top=5)
        listed = {entry["pid"]: entry for entry in after["top"]}
        if busy_child.pid in listed:
            break
    assert busy_child.pid in listed, after["top"]
    assert listed[busy_child.pid]["name"] == "pw-busy\\x1b[2J"
    assert listed[busy_child.pid]["cpu"] > 0.2
    assert after["others_cpu"] > OTHERS_CPU_LIMIT
    warning = busy_warning(before, after)
    assert warning is not None and warning.startswith("busy machine: ")
    assert "\n" not in warning and "\x1b" not in warning


def test_no_warning_for_a_quiet_machine() -> None:
    assert busy_warning(quiet(), quiet()) is None


def test_other_processes_above_a_quarter_cpu_on_average_warn() -> None:
    busy = quiet(others_cpu=0.6, top=[{"pid": 42, "name": "ffmpeg", "cpu": 0.55}])
    warning = busy_warning(quiet(), busy)  # (0.02 + 0.6) / 2 = 0.31
    assert warning is not None
    assert "31% of a CPU on average" in warning and "ffmpeg pid 42" in warning
    assert busy_warning(quiet(), quiet(others_cpu=0.4)) is None  # 0.21 on average


def test_only_the_load_before_the_run_counts() -> None:
    loaded = [LOAD_PER_CPU_LIMIT * 2 + 0.5, 1.0, 1.0]
    warning = busy_warning(quiet(load_avg=loaded), quiet())
    assert warning is not None and "load average was 1.50 on 2 CPUs" in warning
    # After the run the load average includes the run itself.
    assert busy_warning(quiet(), quiet(load_avg=loaded)) is None


def test_a_stealing_hypervisor_warns() -> None:
    warning = busy_warning(quiet(), quiet(steal_fraction=0.3))
    assert warning is not None and "hypervisor took 30%" in warning


@pytest.mark.parametrize(
    "odd",
    [
        None,
        {},
        "busy",
        {"others_cpu": float("nan"), "load_avg": "high", "cpus": 0, "top": "x"},
        {"others_cpu": True, "load_avg": [None], "top": [None, {"cpu": "9"}]},
        {"others_cpu": -5, "steal_fraction": float("inf"), "load_avg": []},
    ],
)
def test_missing_or_malformed_snapshots_are_ignored(odd: Any) -> None:
    assert busy_warning(odd, odd) is None
    assert busy_warning(odd, quiet()) is None
