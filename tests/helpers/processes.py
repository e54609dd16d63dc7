"""Is a process, or any process of a group, still running? Read from /proc, zombies excluded.

Zombies are dead: where PID 1 does not reap orphans (as in some containers) they linger
for good, so ``os.killpg(pgid, 0)`` alone would call a dead group alive.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def group_running(pgid: int) -> list[int]:
    """Pids of the group that are still running."""
    pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    return [
        pid
        for pid in pids
        if (f := _stat(pid)) is not None and int(f[2]) == pgid and f[0] not in ("Z", "X")
    ]


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    """The content of ``path`` once a process has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.01)
    raise TimeoutError(f"{path} was not written within {timeout}s")
