"""The process table as tests read it: one parse of /proc, zombies counted as dead.

Zombies are dead: where PID 1 does not reap orphans (as in some containers) they linger
for good, so ``os.killpg(pgid, 0)`` alone would call a dead group alive.

Every test that asks "is it still running?", "what runs in this group?" or "which
processes carry this marker?" reads /proc through here, never with a parse of its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PROC = Path("/proc")
DEAD_STATES = ("Z", "X")  # zombie, dead


@dataclass(frozen=True)
class ProcStat:
    """The fields of ``/proc/PID/stat`` the tests use."""

    pid: int
    state: str
    ppid: int
    pgid: int
    session: int

    @property
    def running(self) -> bool:
        return self.state not in DEAD_STATES


def proc_stat(pid: int) -> ProcStat | None:
    """``/proc/PID/stat`` parsed, or None once the process is gone (or unreadable).

    The command name (field 2) is in parentheses and may hold spaces and ``)``: the
    fields after it start behind the *last* ``)``.
    """
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return ProcStat(pid, fields[0], int(fields[1]), int(fields[2]), int(fields[3]))
    except (IndexError, ValueError):
        return None


def pids() -> Iterator[int]:
    """Every pid in /proc at the moment of reading (some may be gone when asked about)."""
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            yield int(entry.name)


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    stat = proc_stat(pid)
    return stat is not None and stat.running


def group_running(pgid: int) -> list[int]:
    """Pids of the group that are still running."""
    return [
        pid
        for pid in pids()
        if (stat := proc_stat(pid)) is not None and stat.pgid == pgid and stat.running
    ]


def cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid`` (empty for a kernel thread), or None once it is gone."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def environ(pid: int) -> list[bytes] | None:
    """The environment of ``pid`` as ``KEY=VALUE`` items, or None if gone or not ours."""
    try:
        return (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return None


def running_where(condition: Callable[[int], bool]) -> dict[int, list[str]]:
    """Running processes (this one excluded) for which ``condition(pid)`` holds: pid -> argv.

    ``condition`` reads what it needs of the process (its argv, its environment); a
    process that ends meanwhile is left out.
    """
    found: dict[int, list[str]] = {}
    for pid in pids():
        if pid == os.getpid():
            continue
        try:
            if not condition(pid):
                continue
        except OSError:
            continue
        argv = cmdline(pid)
        if argv is not None and running(pid):
            found[pid] = argv
    return found


def voluntary_switches(pid: int) -> int | None:
    """How often the main thread of ``pid`` has blocked (``voluntary_ctxt_switches``).

    A stage of a pipeline blocks at least once per frame (it waits for the next), so
    this count climbing is evidence that frames pass through it. None once it is gone.
    """
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    return None


def wait_until(condition: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """The first true value of ``condition()``, polled; fails naming ``what`` after ``timeout``.

    The timeout is a bound against a hang, generous on a loaded machine: it is never
    what a test measures.
    """
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:g}s")
        time.sleep(0.02)
    return value


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    """The content of ``path`` once a process has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()):
            return text
        time.sleep(0.01)
    raise TimeoutError(f"{path} was not written within {timeout}s")
