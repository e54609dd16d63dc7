"""Process groups: run a child in its own session, end the whole group, prove it is gone.

A harness starts filter processes of its own; ending only the one we started would
orphan them. So every child runs as the leader of a new session (and process group),
and we end the group, not the pid. The leader is waited for *without reaping* until the
group has been signalled: its zombie keeps the pid, hence the group id, from being
reused by an unrelated process before our ``killpg``.

Limit: a descendant that calls ``setsid`` itself leaves the group and escapes us.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

# Read at call time, so tests can shorten them.
TERM_GRACE_S = 2.0
GONE_WAIT_S = 2.0
_POLL_S = 0.02
_DEFERRED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class GroupTimeout(Exception):
    """The leader did not exit within the timeout (the group has been ended already)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"timed out after {timeout:g}s")
        self.timeout = timeout


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, so cleanup cannot be cut short.

    A signal that arrives meanwhile is delivered (and its Python handler runs) when
    the block exits. Children started inside inherit the mask, so a terminal Ctrl-C
    does not kill a ``git worktree remove`` half-way either. No-op outside the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def run_to_completion(cleanup: Callable[[], None], attempts: int = 5) -> None:
    """Run an idempotent cleanup with SIGINT/SIGTERM held, and again if one got through.

    The mask holds only for this thread: a signal the kernel hands to another thread
    (a progress display's, say) still has its Python handler run here, mid-cleanup.
    So an interrupted attempt is retried; the first interruption is re-raised after.
    """
    interrupted: BaseException | None = None
    with deferred_signals():
        for _ in range(attempts):
            try:
                cleanup()
                break
            except (KeyboardInterrupt, SystemExit) as exc:
                interrupted = interrupted or exc
    if interrupted is not None:
        raise interrupted


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to a process group that may already be gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def process_stats(proc: str | Path = "/proc") -> Iterator[tuple[int, list[str]]]:
    """Every process's /proc/PID/stat fields after the command name (state, ppid, pgrp,
    session, ...); processes that exit while we read are skipped."""
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        yield int(entry.name), stat[stat.rfind(")") + 2 :].split()


def live_members(pgid: int) -> list[int]:
    """Pids of the group that still run; zombies are dead, only not yet reaped.

    (Where PID 1 does not reap orphans, as in some containers, zombies linger for
    good, so ``killpg(pgid, 0)`` alone would report a dead group as alive.)
    """
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    return [
        pid
        for pid, fields in process_stats(proc)
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X")
    ]


def own_child_sessions() -> list[int]:
    """Live children of this process that lead a session of their own (our harnesses)."""
    me, found = os.getpid(), []
    for pid, fields in process_stats():  # state ppid pgrp session ...
        alive = len(fields) > 3 and fields[0] not in ("Z", "X")
        if alive and int(fields[1]) == me and int(fields[3]) == pid:
            found.append(pid)
    return found


def wait_exited(pid: int, timeout: float | None) -> bool:
    """Wait until child ``pid`` exits, without reaping it; False on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return _poll_exited(pid, timeout)
    try:
        poller = select.poll()  # not select(): that fails on descriptors above 1023
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(None if timeout is None else max(0, int(timeout * 1000))))
    finally:
        os.close(fd)


def _poll_exited(pid: int, timeout: float | None) -> bool:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        if os.waitid(os.P_PID, pid, flags) is not None:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)


def wait_gone(pgid: int, timeout: float) -> bool:
    """Wait until no member of the group runs; False if some still do after ``timeout``."""
    deadline = time.monotonic() + timeout
    while live_members(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)
    return True


def end_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM the group if anything runs, KILL what is left after a grace, reap the leader.

    Also called after a clean exit, to end stray grandchildren the harness left behind.
    """
    pgid = proc.pid
    if live_members(pgid):
        signal_group(pgid, signal.SIGTERM)
        wait_gone(pgid, TERM_GRACE_S)
    signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GONE_WAIT_S)
    wait_gone(pgid, GONE_WAIT_S)


def run_in_group(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: IO[bytes],
    stderr: IO[bytes],
    timeout: float,
) -> int:
    """Run ``argv`` as a new session; return its exit status (negative: killed by a signal).

    Raises ``GroupTimeout`` after ``timeout`` seconds. On every way out (timeout,
    KeyboardInterrupt, SystemExit, success) the whole group is ended first. Raises
    ``OSError`` when the program cannot be started.
    """
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    except BaseException:
        # An interrupt can land inside Popen after the fork, before we hold the child:
        # its session would outlive us. Rounds run one at a time, so any live session
        # we lead a child of now is that one.
        for pgid in own_child_sessions():
            signal_group(pgid, signal.SIGKILL)
        raise
    try:
        if not wait_exited(proc.pid, timeout):
            raise GroupTimeout(timeout)
    finally:
        run_to_completion(lambda: end_group(proc))
    assert proc.returncode is not None
    return proc.returncode
