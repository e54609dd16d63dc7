"""doctor says whether a run may keep the CPUs awake here, and prints the rule that permits it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from perfwaterfall.measure import keep_awake


def doctor_json(device: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if device is not None:
        env[keep_awake.DEVICE_ENV] = str(device)
    done = subprocess.run(
        [sys.executable, "-m", "perfwaterfall", "doctor", "--format", "json", "--no-attach"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    finding: dict[str, object] = json.loads(done.stdout)["checks"]["keep_awake"]
    return finding


def test_a_device_that_cannot_be_opened_warns_and_gives_the_udev_rule(tmp_path: Path) -> None:
    finding = doctor_json(tmp_path)  # a directory: there, but never writable as a device
    assert finding["status"] == "warn"
    assert str(finding["value"]).startswith("not permitted")
    assert keep_awake.UDEV_RULE in str(finding["advice"])
    assert finding["data"] == {
        "device": str(tmp_path),
        "udev_rule": keep_awake.UDEV_RULE,
        "possible": False,
        "limit_us": None,
    }


def test_no_device_is_said_plainly(tmp_path: Path) -> None:
    finding = doctor_json(tmp_path / "absent")
    assert finding["status"] == "info"
    assert finding["value"] == f"no {tmp_path / 'absent'} here"


def test_the_real_device_is_reported_as_it_is() -> None:
    finding = doctor_json(None)
    possible = keep_awake.denied_reason(True, keep_awake.DEVICE) is None
    assert finding["status"] == ("ok" if possible else "warn")
    assert keep_awake.UDEV_RULE in str(finding["advice"])
