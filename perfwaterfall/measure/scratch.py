"""Scratch directories of a run, named after its process so that a later run can sweep them.

A run killed outright (SIGKILL, a lost machine) cannot remove its temporary
directories: the harness's output files of the round it was in, say. Each one
carries the pid of the process that made it; ``sweep_stale`` removes those whose
process is gone, when the next run starts (as worktrees of killed runs are).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "perf-waterfall-"
KINDS = ("list", "setup", "round", "profile")
# mkdtemp's random suffix is 8 of [a-z0-9_]; a pid has at most 10 digits.
_SCRATCH = re.compile(rf"^{re.escape(PREFIX)}(?:{'|'.join(KINDS)})-(\d{{1,10}})-[a-z0-9_]{{8}}$")
#: A run's worktree root (gitrefs.worktrees): perf-waterfall-<run id>-<pid>-<suffix>.
ROOT_NAME = re.compile(rf"^{re.escape(PREFIX)}.+-(\d{{1,10}})-[a-z0-9_]{{8}}$")


@contextlib.contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A private temporary directory for one step (``kind``), removed when the step ends."""
    assert kind in KINDS, kind
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{kind}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def remove_leftovers() -> list[Path]:
    """Remove what runs whose process is dead left in the temporary directory.

    Scratch directories go whole. A worktree root goes only if it is empty (killed
    before its first ``git worktree add``): one with worktrees in it is the
    business of ``gitrefs.sweep_stale_worktrees``, in the repository they belong to.
    Only this user's directories are touched, and only for a pid the kernel says is gone.
    """
    removed = []
    for entry in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        scratch, root = _SCRATCH.match(entry.name), ROOT_NAME.match(entry.name)
        match = scratch or root
        if not match or pid_alive(int(match.group(1))) or not _ours(entry):
            continue
        if scratch:
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                entry.rmdir()
            except OSError:
                continue  # not empty: it holds worktrees
        removed.append(entry)
    return removed


def _ours(path: Path) -> bool:
    """A real directory of this user: the temporary directory is shared, a name proves nothing."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()


def pid_alive(pid: int) -> bool:
    """Only a pid the kernel says is gone is dead: one we may not signal, or no pid at all,
    counts as alive, so nothing is removed on its account."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True
