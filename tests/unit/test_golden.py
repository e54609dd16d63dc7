"""Golden files are rewritten on request, and never in CI: that request fails the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.golden import UPDATE, assert_golden, update_refused

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({UPDATE: "1", "CI": "true"}, True),
        ({UPDATE: "1", "CI": "1"}, True),
        ({UPDATE: "1"}, False),
        ({UPDATE: "1", "CI": "false"}, False),
        ({"CI": "true"}, False),
        ({UPDATE: "", "CI": "true"}, False),
    ],
)
def test_updating_golden_files_is_refused_only_in_ci(env: dict[str, str], refused: bool) -> None:
    why = update_refused(env)
    assert (why is not None) == refused
    if refused:
        assert UPDATE in why and "CI" in why


def test_a_golden_file_is_rewritten_on_request(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    golden = tmp_path / "expected.txt"
    golden.write_text("old\n")
    with pytest.raises(AssertionError):
        assert_golden(golden, "new\n")
    monkeypatch.setenv(UPDATE, "1")
    assert_golden(golden, "new\n")
    assert golden.read_text() == "new\n"


def test_in_ci_the_request_fails_the_test_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    golden = tmp_path / "expected.txt"
    golden.write_text("old\n")
    monkeypatch.setenv(UPDATE, "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never regenerated in CI"):
        assert_golden(golden, "new\n")
    assert golden.read_text() == "old\n"


def test_in_ci_the_request_stops_the_whole_run_before_any_test(tmp_path: Path) -> None:
    env = {**os.environ, UPDATE: "1", "CI": "true"}
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/unit/test_fmt.py",
    ]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "never regenerated in CI" in done.stderr
    assert "passed" not in done.stdout
