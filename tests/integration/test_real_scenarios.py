"""End to end: the real `scenarios` harness across two commits of a temporary clone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from perfwaterfall.cli.app import main
from tests.helpers.gitrepo import registered_worktrees, run_git

ROOT = Path(__file__).parents[2]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """This repository's HEAD (with the working tree's scenarios), plus a commit that makes
    the 480p Detector 2 ms slower."""
    target = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", "--no-hardlinks", str(ROOT), str(target))
    # Tests run on the working tree under test, which may be ahead of its HEAD.
    for path in ("scenarios", "pyproject.toml"):
        subprocess.run(["cp", "-r", str(ROOT / path), str(target)], check=True)
    run_git(target, "add", "-A")
    run_git(target, "commit", "-q", "--allow-empty", "-m", "scenarios as under test")
    run_git(target, "branch", "-f", "base")
    catalog = target / "scenarios" / "catalog.py"
    text = catalog.read_text()
    slower = text.replace('Filter("Detector", 8)', 'Filter("Detector", 10)')
    assert slower != text, "the 480p catalog entry moved: update this test"
    catalog.write_text(slower)
    run_git(target, "commit", "-q", "-am", "480p Detector takes 2 ms more")
    return target


def test_real_harness_marks_the_slower_stage(clone, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("SCENARIOS_SCALE", "0.05")
    code = main(
        [
            "compare",
            "base",
            "HEAD",
            "--repo",
            str(clone),
            "-s",
            "480p_raw",
            "--frames",
            "5",
            "--rounds",
            "4",
            "--warmup",
            "1",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    detector = [ln for ln in out.splitlines() if ln.lstrip("│ ").startswith("Detector")][-1]
    delta = float(re.search(r"([+-]\d+\.\d+) ms", detector).group(1))
    assert delta == pytest.approx(2.0, abs=0.5) and "~" not in detector
    assert "480p Detector takes 2 ms more" in out
    assert registered_worktrees(clone) == []
