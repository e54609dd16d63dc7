"""Every bad input is one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.config import Settings
from scenarios.errors import UsageError
from tests.scenarios.conftest import harness, one_clear_line

RUN = ["run", "--scenario", "480p_raw", "--frames", "2", "--warmup", "0"]


def _fails(tmp: Path, *args: str, **env: str) -> str:
    proc = harness(tmp, *args, **env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    return one_clear_line(proc.stderr)


def test_unknown_scenario_lists_the_valid_names(run_tmp: Path) -> None:
    line = _fails(
        run_tmp,
        "run",
        "--scenario",
        "8k_raw",
        "--frames",
        "2",
        "--warmup",
        "0",
        "--output",
        str(run_tmp / "o.json"),
    )
    assert "8k_raw" in line and "4k_raw" in line and "480p_raw" in line


@pytest.mark.parametrize("frames", ["0", "-3", "ten", "1.5", ""])
def test_bad_frames(run_tmp: Path, frames: str) -> None:
    args = ["run", "--scenario", "480p_raw", "--frames", frames, "--warmup", "0"]
    line = _fails(run_tmp, *args, "--output", str(run_tmp / "o.json"))
    assert "--frames" in line
    assert not (run_tmp / "o.json").exists()


def test_bad_warmup(run_tmp: Path) -> None:
    args = ["run", "--scenario", "480p_raw", "--frames", "2", "--warmup", "-1"]
    assert "--warmup" in _fails(run_tmp, *args, "--output", str(run_tmp / "o.json"))


def test_bad_transport_lists_the_valid_ones(run_tmp: Path) -> None:
    line = _fails(
        run_tmp, *RUN, "--output", str(run_tmp / "o.json"), SCENARIOS_TRANSPORT="zerocopy"
    )
    assert "SCENARIOS_TRANSPORT" in line and "zerocopy" in line
    for rung in ("copy", "memoryview", "recv-nocopy", "nocopy", "shm", "shm-loan"):
        assert rung in line


def test_missing_output_directory(run_tmp: Path) -> None:
    line = _fails(run_tmp, *RUN, "--output", str(run_tmp / "no" / "o.json"))
    assert "--output" in line


def test_missing_argument_and_unknown_command(run_tmp: Path) -> None:
    assert "--output" in _fails(run_tmp, *RUN)
    assert "bogus" in _fails(run_tmp, "bogus")


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("SCENARIOS_WORK", "gpu"),
        ("SCENARIOS_SCALE", "0"),
        ("SCENARIOS_SCALE", "nan"),
        ("SCENARIOS_INFLIGHT", "0"),
        ("SCENARIOS_SHM_SLOTS", "1"),
        ("SCENARIOS_SHM_SLOT_SIZE", "big"),
    ],
)
def test_bad_environment_names_the_variable(var: str, value: str) -> None:
    with pytest.raises(UsageError, match=var):
        Settings.from_env({var: value})


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.transport, s.work, s.inflight, s.shm_slots) == ("nocopy", "sleep", 1, 4)
    assert s.shm_slot_size == 32 * 1024 * 1024
    assert Settings(scale=0.1).frame_size(3840, 2160) == (384, 216)
    assert Settings().frame_size(640, 480) == (640, 480)
