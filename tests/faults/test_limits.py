"""Shared-memory limits through `compare`: a clear error before the first frame, nothing left.

The ring that does not fit is tried two ways: a budget the test controls
(``SCENARIOS_SHM_SLOT_SIZE`` larger than /dev/shm), and a real, small /dev/shm: a
4 MiB tmpfs mounted over it in a private mount namespace (``unshare -m``), which
only the run under test sees, holding the default 32 MiB slots.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.faults import tools
from tests.faults.tools import Run

pytestmark = pytest.mark.timeout(120)

ROUND_1 = "base (base), scenario '{}', round 1: harness exited with status {}"


def compare(repo: Path, workdir: Path, scenario: str, env: dict[str, str], **kw: object) -> Run:
    args = ["compare", "base", "HEAD", "--repo", str(repo), "-s", scenario, "--save", "cmp.json"]
    return tools.run(
        [*args, "--frames", "3", "--warmup", "0", "--rounds", "1"],
        workdir=workdir,
        repo=repo,
        env={"SCENARIOS_SCALE": "0.05", **env},
        timeout=100,
        **kw,  # type: ignore[arg-type]
    )


def failure(r: Run) -> tuple[str, str]:
    data = json.loads((r.out_dir / "cmp.json").read_text())["failure"]
    return data["message"], data["stderr_tail"]


def _can_mount_a_private_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm"],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.parametrize("rung", ["shm", "shm-loan"])
def test_a_ring_larger_than_dev_shm_is_refused_before_any_stage_starts(
    rung: str, scenarios_repo: Path, workdir: Path
) -> None:
    env = {"SCENARIOS_TRANSPORT": rung, "SCENARIOS_SHM_SLOT_SIZE": str(2**44)}
    r = compare(scenarios_repo, workdir, "480p_raw", env)
    assert r.code == 1, r.err
    message, tail = failure(r)
    assert message.startswith(ROUND_1.format("480p_raw", 2)), message
    assert "/dev/shm" in tail and "is free; lower SCENARIOS_SHM_SLOTS" in tail, tail
    assert r.sampler.stage_processes() == {}  # refused before the first frame
    assert r.leftovers() == []


@pytest.mark.skipif(not _can_mount_a_private_tmpfs(), reason="cannot mount a private tmpfs")
def test_a_small_dev_shm_is_a_clear_error_with_the_default_slots(
    scenarios_repo: Path, workdir: Path
) -> None:
    small = ["unshare", "-m", "sh", "-c"]
    small += ['mount -t tmpfs -o size=4m tmpfs /dev/shm && exec "$@"', "small-dev-shm"]
    r = compare(scenarios_repo, workdir, "4k_raw", {"SCENARIOS_TRANSPORT": "shm"}, prefix=small)
    assert r.code == 1, r.err
    message, tail = failure(r)
    assert message.startswith(ROUND_1.format("4k_raw", 2)), message
    assert "MiB of /dev/shm but only 4 MiB is free" in tail, tail
    assert r.sampler.stage_processes() == {}
    assert r.leftovers() == []


def test_a_raw_frame_larger_than_a_slot_is_the_value_error_message(
    scenarios_repo: Path, workdir: Path
) -> None:
    env = {"SCENARIOS_TRANSPORT": "shm-loan", "SCENARIOS_SHM_SLOT_SIZE": "8192"}
    r = compare(scenarios_repo, workdir, "4k_raw", env)
    assert r.code == 1, r.err
    message, tail = failure(r)
    assert message.startswith(ROUND_1.format("4k_raw", 2)), message
    assert (
        "a frame of 62208 bytes does not fit a shared-memory slot of 8192 bytes; "
        "raise SCENARIOS_SHM_SLOT_SIZE to at least 62208"
    ) in tail, tail
    assert r.sampler.stage_processes() == {}
    assert r.leftovers() == []


@pytest.mark.faults
def test_a_jpeg_larger_than_a_slot_fails_the_stage_with_the_value_error_message(
    scenarios_repo: Path, workdir: Path
) -> None:
    """JPEG sizes are known only once encoded: the stage fails mid-run, naming itself."""
    env = {
        "SCENARIOS_TRANSPORT": "shm",
        "SCENARIOS_SHM_SLOT_SIZE": "4096",
        "SCENARIOS_SCALE": "0.3",
    }
    r = compare(scenarios_repo, workdir, "4k_jpg", env)
    assert r.code == 1, r.err
    message, tail = failure(r)
    assert message.startswith(ROUND_1.format("4k_jpg", 1)), message
    assert "ValueError: a frame of" in tail and "does not fit a shared-memory slot of 4096" in tail
    assert r.sampler.segments  # the pools were made: the failure came mid-run
    assert r.leftovers() == []
