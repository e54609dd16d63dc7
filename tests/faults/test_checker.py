"""The suite's own instruments: a pause point changes nothing, and the leftover check can see.

Without these, "nothing was left behind" could mean "nothing was looked for".
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

from tests.faults import tools
from tests.faults.tools import FAKE
from tests.helpers.gitrepo import run_git

ARGS = ["--harness", FAKE, "--frames", "2", "--warmup", "0", "--rounds", "2", "-s", "alpha"]


def test_a_pause_that_is_never_struck_changes_nothing(fake_repo: Path, workdir: Path) -> None:
    r = tools.run(
        ["compare", "v1", "HEAD", "--repo", str(fake_repo), *ARGS],
        workdir=workdir,
        repo=fake_repo,
        pause="perfwaterfall.measure.worktrees:_create_worktree@2",
        pause_s=0.2,
        timeout=60,
    )
    assert r.mark.exists()  # it did pause
    assert r.code == 0, r.err
    assert r.leftovers() == []


def test_the_leftover_check_sees_what_sigkill_leaves(fake_repo: Path, workdir: Path) -> None:
    """SIGKILL cannot be cleaned up after: the check must name worktrees and files."""
    r = tools.start(
        ["compare", "v1", "HEAD", "--repo", str(fake_repo), *ARGS],
        workdir=workdir,
        repo=fake_repo,
        pause="perfwaterfall.measure.worktrees:_create_worktree@2+after",
    )
    try:
        r.wait_for_mark()
        r.strike(signal.SIGKILL)
    finally:
        r.finish(10)
    found = r.leftovers()
    assert r.code == -signal.SIGKILL
    assert sum(item.startswith("worktree /") for item in found) == 2, found
    assert sum(item.startswith("worktree admin dir ") for item in found) == 2, found
    assert any(item.startswith("file ") for item in found), found
    assert any(item.startswith("checkout state changed: ['worktrees']") for item in found), found
    shutil.rmtree(r.tmpdir)
    run_git(fake_repo, "worktree", "prune")
