"""Repositories of 8 to 12 commits whose stage times are known per commit (bench.py).

Each commit writes ``timings.json``; ``detector_ms[i]`` is the Detector time at
commit i (commit 0 is GOOD). ``broken`` commits carry a timings file the harness
cannot read, so their harness fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.helpers.gitrepo import Op, build_repo, run_git
from tests.integration.conftest import BENCH_FILES, PYPROJECT, timings

QUICK = ["--frames", "3", "--warmup", "0", "--rounds", "3", "--max-rounds", "6"]


def history_repo(
    path: Path, detector_ms: Sequence[float], broken: Sequence[int] = ()
) -> tuple[Path, list[str]]:
    """The repository and its commits' shas, oldest first."""
    ops: list[Op] = [*BENCH_FILES, ("write", "pyproject.toml", PYPROJECT)]
    for i, ms in enumerate(detector_ms):
        text = "not json" if i in broken else timings(ms)
        ops += [("write", "timings.json", text), ("commit", f"commit {i}: Detector {ms:g} ms")]
    repo = build_repo(path, ops)
    shas = run_git(repo, "rev-list", "--reverse", "HEAD").split()
    return repo, shas
