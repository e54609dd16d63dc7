"""`perf-waterfall init` in a real repository, then the comparison it prints, as printed."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.gitrepo import SAMPLE_OPS, build_repo, registered_worktrees


def perf_waterfall(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfwaterfall", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_init_then_the_printed_compare_works(tmp_path: Path) -> None:
    repo = build_repo(tmp_path / "user repo", SAMPLE_OPS)
    done = perf_waterfall(["init"], repo)
    assert done.returncode == 0, done.stderr
    said = done.stdout.splitlines()
    assert said[0].startswith("wrote perfbench.py")
    assert said[1].startswith("created with [tool.perf-waterfall]: pyproject.toml")
    command = shlex.split(said[-1])
    assert command[:4] == ["perf-waterfall", "compare", "HEAD", "WORKTREE"]

    quick = ["--rounds", "2", "--frames", "2", "--warmup", "1", "--format", "json"]
    done = perf_waterfall([*command[1:], *quick], repo)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [s["name"] for s in report["scenarios"]] == ["small", "large"]
    assert [st["name"] for st in report["scenarios"][0]["stages"]] == ["load", "process"]
    assert report["failure"] is None

    files = {p: p.read_bytes() for p in (repo / "pyproject.toml", repo / "perfbench.py")}
    again = perf_waterfall(["init"], repo)
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert {p: p.read_bytes() for p in files} == files

    # Without --same-harness, HEAD (which has no perfbench.py yet) fails, naming the way out.
    refused = perf_waterfall(["compare", "HEAD", "WORKTREE", *quick], repo)
    assert refused.returncode == 1
    assert refused.stderr.startswith("perf-waterfall: base (HEAD): the harness")
    assert refused.stderr.rstrip().endswith("with --same-harness")
    assert registered_worktrees(repo) == []
