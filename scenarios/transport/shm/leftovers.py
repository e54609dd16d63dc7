"""Segments no stage will unlink: a run's own once it is over, and those of dead runs.

A stage killed outright (or a driver, with all its stages) cannot clean up after
itself; its segments carry its pid, so the next run can tell they are orphans.
"""

from __future__ import annotations

import contextlib
import os

from scenarios.pids import alive
from scenarios.transport.shm.segments import PREFIX, creator, names, path


def remove_leftovers() -> list[str]:
    """Unlink segments whose creator is dead (a crashed run of any user we may remove)."""
    removed = []
    for name in names():
        pid = creator(name)
        if pid is not None and not alive(pid):
            try:
                os.unlink(path(name))
                removed.append(name)
            except OSError:
                pass
    return removed


def cleanup_run(run_id: str) -> None:
    """Unlink every segment of run ``run_id``: the driver's last word, whatever happened."""
    for name in names():
        if name.startswith(f"{PREFIX}{run_id}-"):
            with contextlib.suppress(OSError):
                os.unlink(path(name))
