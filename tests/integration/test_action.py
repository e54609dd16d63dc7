"""The script behind action.yml, run as the action runs it, against a real repository.

GitHub's runner is stood in for by the variables it sets: GITHUB_STEP_SUMMARY and
GITHUB_OUTPUT are files, RUNNER_TEMP a directory, and the inputs arrive as PW_*.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.kit_repo import kit_repo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "perf-waterfall" / "action.sh"


def action(step: str, cwd: Path, tmp: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_OUTPUT": str(tmp / "output.txt"),
        "RUNNER_TEMP": str(tmp / "runner"),
        "PW_PYTHON": sys.executable,
        **inputs,
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), step], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    written = tmp / "output.txt"
    lines = written.read_text().splitlines() if written.exists() else []
    outputs = dict(line.split("=", 1) for line in lines)
    return done.returncode, outputs, done.stdout + done.stderr


@pytest.mark.slow
def test_a_regression_is_summarised_uploaded_and_gated(tmp_path: Path) -> None:
    repo = kit_repo(tmp_path / "repo")
    code, outputs, log = action(
        "compare",
        repo,
        tmp_path,
        PW_BASE="base",
        PW_HEAD="HEAD",
        PW_SCENARIOS="pipe",
        PW_FAIL_ON_REGRESSION="5",
        PW_ROUNDS="5",
        PW_FRAMES="3",
        PW_ARGS="--warmup 1 --head-env KIT_SLOW_MS=5",
    )
    assert code == 0, log  # the artifacts are uploaded before the gate fails
    assert outputs["exit-code"] == "3", log
    summary = (tmp_path / "summary.md").read_text()
    assert "Detector" in summary and "pipe" in summary
    for key in ("markdown", "bundle", "svg"):
        assert Path(outputs[key]).is_relative_to(tmp_path / "runner"), outputs
        assert Path(outputs[key]).stat().st_size > 0
    assert Path(outputs["svg"]).read_text().lstrip().startswith("<svg")

    code, _, log = action("gate", repo, tmp_path, PW_EXIT_CODE="3", PW_FAIL_ON_REGRESSION="5")
    assert code == 3 and "::error title=perf-waterfall::a significant regression" in log


def test_the_gate_passes_a_clean_run_and_fails_a_missing_one(tmp_path: Path) -> None:
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="0")[0] == 0
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="2")[0] == 2
    assert action("gate", tmp_path, tmp_path, PW_EXIT_CODE="")[0] == 1


def test_a_refused_compare_still_writes_a_summary(tmp_path: Path) -> None:
    repo = kit_repo(tmp_path / "repo")
    code, outputs, _ = action("compare", repo, tmp_path, PW_BASE="no-such-ref")
    assert code == 0 and outputs["exit-code"] == "2" and "bundle" not in outputs
    assert "exited 2 before writing a report" in (tmp_path / "summary.md").read_text()


def test_action_yml_feeds_every_input_the_script_reads() -> None:
    yml = (ROOT / "action.yml").read_text()
    script = SCRIPT.read_text()
    read = set(re.findall(r"\$\{?(PW_[A-Z_]+)", script))
    given = set(re.findall(r"^\s+(PW_[A-Z_]+):", yml, flags=re.M))
    assert read <= given, read - given
    assert '.github/perf-waterfall/action.sh" compare' in yml
    assert '.github/perf-waterfall/action.sh" gate' in yml
    assert "${{ inputs." not in "".join(ln for ln in yml.splitlines() if "run:" in ln)
