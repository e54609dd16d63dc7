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
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "perf-waterfall-"
KINDS = ("list", "setup", "round", "profile")
# mkdtemp's random suffix is [a-z0-9_].
_NAME = re.compile(rf"^{re.escape(PREFIX)}(?:{'|'.join(KINDS)})-(\d+)-[a-z0-9_]+$")


@contextlib.contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A private temporary directory for one step (``kind``), removed when the step ends."""
    assert kind in KINDS, kind
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{kind}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def sweep_stale() -> list[Path]:
    """Remove scratch directories whose process is dead; live runs' are left alone."""
    removed = []
    for entry in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        match = _NAME.match(entry.name)
        if match and not pid_alive(int(match.group(1))) and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
