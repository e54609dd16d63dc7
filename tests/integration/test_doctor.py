"""`perf-waterfall doctor` as a real process on this machine: every heading, JSON for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from perfwaterfall.doctor import KEYS

HEADINGS = (
    "CPUs",
    "Load average",
    "Busiest other processes",
    "CPU frequency governor",
    "Turbo / boost",
    "cpuidle",
    "Halt polling",
    "Keep awake",
    "ASLR",
    "perf_event_max_sample_rate",
    "Memory pressure",
    "py-spy attach",
)
# The sleeping child of the live py-spy test, by its command line.
SLEEPER_MARK = b"print('ready', flush=True); time.sleep(60)"


def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfwaterfall", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sleepers() -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    if SLEEPER_MARK in f.read():
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_doctor_prints_every_heading_and_leaves_no_process() -> None:
    done = doctor("--no-color", "doctor")
    assert done.returncode == 0, done.stderr
    for heading in HEADINGS:
        assert heading in done.stdout, heading
    assert "\x1b" not in done.stdout
    assert sleepers() == []  # the live attach test's child was killed and reaped


def test_doctor_json_has_every_check() -> None:
    done = doctor("doctor", "--format", "json", "--no-attach")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["version"] == 1
    checks = document["checks"]
    assert tuple(checks) == KEYS
    assert [c["heading"] for c in checks.values()] == list(HEADINGS)
    for key, check in checks.items():
        assert check["status"] in ("ok", "warn", "info"), key
        assert isinstance(check["value"], str) and check["value"], key
        assert isinstance(check["advice"], str) and check["advice"], key
        assert isinstance(check["data"], dict), key
    assert checks["pyspy"]["data"]["attach_test"] is None  # --no-attach


def test_an_unknown_format_is_a_usage_error() -> None:
    done = doctor("doctor", "--format", "markdown")
    assert done.returncode == 2
    assert "--format must be one of terminal, json" in done.stderr
