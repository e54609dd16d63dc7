"""End to end: the real `scenarios` harness across two commits of a temporary clone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli
from tests.helpers.gitrepo import registered_worktrees, run_git

ROOT = Path(__file__).parents[2]
# The Detector of 480p_raw works 8 ms a frame; the second commit makes it 8 + EXTRA_MS.
# Large against what a loaded machine adds to a sleep, so that every base round stays
# below every head round (the verdict needs that with 4 rounds), however busy the host.
EXTRA_MS = 10


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """This repository's HEAD (with the working tree's scenarios), plus a commit that makes
    the 480p Detector EXTRA_MS slower."""
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
    slower = text.replace('Filter("Detector", 8)', f'Filter("Detector", {8 + EXTRA_MS})')
    assert slower != text, "the 480p catalog entry moved: update this test"
    catalog.write_text(slower)
    run_git(target, "commit", "-q", "-am", f"480p Detector takes {EXTRA_MS} ms more")
    return target


def after_deltas(out: str) -> dict[str, float]:
    """Stage -> the '+1.23 ms' delta of its row in the AFTER half of the waterfall."""
    after = out[out.index("AFTER") :]
    deltas = {}
    for line in after.splitlines():
        row = re.match(r"[│ ]*(\S.*?)\s{2,}[\d.]+ .*?([+-]\d+\.\d+) ms", line)
        if row:
            deltas[row.group(1)] = float(row.group(2))
    return deltas


@pytest.mark.usefixtures("wide")
def test_real_harness_marks_the_slower_stage(clone, capsys, monkeypatch):
    monkeypatch.setenv("SCENARIOS_SCALE", "0.05")
    args = ["compare", "base", "HEAD", "--repo", clone, "-s", "480p_raw"]
    code, out, err = run_cli([*args, "--frames", "5", "--rounds", "4", "--warmup", "1"], capsys)
    assert code == 0, err
    detector = [ln for ln in out.splitlines() if ln.lstrip("│ ").startswith("Detector")][-1]
    assert "~" not in detector, detector  # measured, and marked real
    deltas = after_deltas(out)
    assert deltas["Detector"] == max(deltas.values()), deltas  # where the time went
    # Measured, not merely noticed: within a factor of two of what was injected (a
    # sleep only ever overshoots; both sides run on the same host, interleaved).
    assert EXTRA_MS / 2 < deltas["Detector"] < EXTRA_MS * 2, deltas
    assert f"480p Detector takes {EXTRA_MS} ms more" in out
    assert registered_worktrees(clone) == []
