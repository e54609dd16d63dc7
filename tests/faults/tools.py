"""Run a real `perf-waterfall` process, strike it at a chosen moment, and list what it left.

A run is ``python -m perfwaterfall ...`` in its own session with a private ``TMPDIR``
(so its worktrees, round directories and the harness's socket directories can only
be there) and a marker in its environment (which every process it starts inherits,
so they can be found in /proc whatever their session). A sampler thread records
every process and shared-memory segment of the run while it lives; afterwards
``leftovers`` must be empty: no registered or on-disk worktree, no file in the
private TMPDIR, no segment, no live process, and the user's checkout unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import processes
from tests.helpers.fake_harness import FAKE_HARNESS
from tests.helpers.gitrepo import registered_worktrees, run_git, user_state

ROOT = Path(__file__).resolve().parents[2]
INJECT = Path(__file__).resolve().parent / "inject"
SHM_DIR = Path("/dev/shm")
MARKER = "PW_FAULT_RUN"
# The bar for an interrupted CLI: a behaviour bound, not a benchmark.
EXIT_DEADLINE_S = 5.0
# Killed processes are reaped by the kernel a little after their parent has gone on.
SETTLE_S = 3.0
FAKE = f"{{python}} {shlex.quote(str(FAKE_HARNESS))}"


def tree_hash(root: Path) -> str:
    """Every file under ``root`` (``.git`` included): path, kind, mode and bytes."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted([*filenames, *(d for d in dirnames if Path(dirpath, d).is_symlink())]):
            path = Path(dirpath, name)
            st = path.lstat()
            digest.update(os.fsencode(path.relative_to(root)) + b"\0")
            digest.update(f"{st.st_mode:o}\0".encode())
            if path.is_symlink():
                digest.update(os.fsencode(os.readlink(path)))
            else:
                digest.update(path.read_bytes())
        digest.update(b"\1")
    return digest.hexdigest()


@dataclass(frozen=True)
class Checkout:
    """What perf-waterfall promises not to change in the user's repository."""

    tree: str
    state: dict[str, Any]

    @classmethod
    def of(cls, repo: Path) -> Checkout:
        return cls(tree_hash(repo), user_state(repo))  # hash first: it reads, never writes


def marked_processes(marker: str) -> dict[int, str]:
    """Live (non-zombie) processes whose environment carries ``marker``: pid -> cmdline."""
    needle = f"{MARKER}={marker}".encode()
    marked = processes.running_where(lambda pid: needle in (processes.environ(pid) or ()))
    return {pid: " ".join(argv) for pid, argv in marked.items()}


def segments() -> set[str]:
    try:
        return {n for n in os.listdir(SHM_DIR) if n.startswith("scenarios-")}
    except OSError:
        return set()


def segment_pid(name: str) -> int | None:
    """The creator pid in ``scenarios-<run>-<pid>-<stage>-<slot>``."""
    parts = name.split("-")
    return int(parts[2]) if len(parts) == 5 and parts[2].isdigit() else None


@dataclass
class Sampler:
    """Records the run's processes and segments every few ms while the run lives."""

    marker: str
    pids: dict[int, str] = field(default_factory=dict)
    segments: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.02)

    def sample(self) -> None:
        self.pids.update(marked_processes(self.marker))
        pids = self.pids.copy()
        for name in segments():
            if segment_pid(name) in pids:
                self.segments.add(name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def stage_processes(self) -> dict[int, str]:
        pids = self.pids.copy()  # the sampler thread adds to it meanwhile
        return {pid: cmd for pid, cmd in pids.items() if "scenarios.stage" in cmd}


@dataclass
class Run:
    """One perf-waterfall process started by a test."""

    proc: subprocess.Popen[bytes]
    repo: Path | None
    tmpdir: Path
    mark: Path
    marker: str
    before: Checkout | None
    sampler: Sampler
    out_dir: Path
    stdout: bytes = b""
    stderr: bytes = b""
    signalled_at: float | None = None
    exited_at: float | None = None  # when the CLI process exited (before anyone reaped it)
    killed: bool = False  # it did not exit by itself: the test killed it
    finished: bool = False
    _exit_watch: threading.Thread | None = None

    @property
    def code(self) -> int | None:
        return self.proc.returncode

    @property
    def err(self) -> str:
        return self.stderr.decode(errors="replace")

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")

    @property
    def exit_after_s(self) -> float | None:
        """From the first signal to the CLI's own exit; None if it had to be killed.

        The exit itself, not the end of ``communicate`` (which also waits for every
        process holding its pipes) nor of the test's cleanup.
        """
        if self.killed or self.signalled_at is None or self.exited_at is None:
            return None
        return self.exited_at - self.signalled_at

    def wait_for_mark(self, timeout: float = 30.0) -> None:
        """Until the paused process says it is at its moment (fails if it ended first)."""
        self.wait_until(lambda: self.mark.exists(), "the pause point was never reached", timeout)

    def wait_until(self, condition: Any, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.proc.poll() is not None:
                self.finish(0)
                raise AssertionError(f"{what}: the CLI ended first ({self.code}): {self.err}")
            time.sleep(0.01)
        raise AssertionError(f"{what} within {timeout:g}s")

    def strike(self, sig: int, *, group: bool = False) -> None:
        """Deliver ``sig`` to the CLI, or to its whole process group as a terminal's Ctrl-C."""
        if self.signalled_at is None:  # the exit deadline counts from the first signal
            self._watch_exit()
            self.signalled_at = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)

    def _watch_exit(self) -> None:
        """Note the moment the CLI exits, in a thread blocked in ``waitid`` until then.

        ``WNOWAIT`` leaves the exit status for ``Popen`` to reap as usual.
        """

        def watch() -> None:
            with contextlib.suppress(ChildProcessError):  # reaped already: it is over
                os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
            self.exited_at = time.monotonic()

        self._exit_watch = threading.Thread(target=watch, daemon=True)
        self._exit_watch.start()

    def finish(self, deadline: float = 120.0) -> None:
        """Wait for the exit (at most ``deadline`` s); kill everything of the run if it hangs."""
        if self.finished:
            return
        self.finished = True
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=deadline)
        except subprocess.TimeoutExpired:
            pass
        finally:
            self.kill_all()
            if self._exit_watch is not None:
                self._exit_watch.join(timeout=10)
            self.sampler.stop()

    def kill_all(self) -> None:
        """SIGKILL every process of this run that still runs (only ours: they carry the marker)."""
        if self.proc.poll() is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.stdout, self.stderr = self.proc.communicate()
        for pid in marked_processes(self.marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def leftovers(self) -> list[str]:
        """Everything the run left behind; the bar is an empty list."""
        found: list[str] = []
        deadline = time.monotonic() + SETTLE_S
        while (alive := marked_processes(self.marker)) and time.monotonic() < deadline:
            time.sleep(0.05)
        found += [f"process {pid}: {cmd[:120]}" for pid, cmd in alive.items()]
        found += [f"file {p}" for p in sorted(self.tmpdir.rglob("*"))]
        found += [f"segment {n}" for n in sorted(self.sampler.segments & segments())]
        pids = set(self.sampler.pids)
        found += [f"segment {n}" for n in sorted(segments()) if segment_pid(n) in pids]
        found += [f"temporary file {p}" for p in self.out_dir.glob(".*.tmp")]
        if self.repo is not None and (self.repo / ".git").is_dir():
            found += [f"worktree {p}" for p in registered_worktrees(self.repo)]
            admin = self.repo / ".git" / "worktrees"
            if admin.is_dir():
                found += [f"worktree admin dir {p}" for p in admin.iterdir()]
            if self.before is not None:
                after = Checkout.of(self.repo)
                if after.state != self.before.state:
                    found.append(f"checkout state changed: {_diff(self.before.state, after.state)}")
                elif after.tree != self.before.tree:
                    found.append("checkout bytes changed")
        return sorted(set(found))


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return [k for k in a if a[k] != b.get(k)]


def cli_env(tmpdir: Path, marker: str, mark: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARIOS_", "PW_FAULT_"))}
    env.update(
        {
            "TMPDIR": str(tmpdir),
            MARKER: marker,
            "PW_FAULT_MARK": str(mark),
            "PYTHONPATH": str(INJECT),
            "COLUMNS": "120",
            "TERM": "dumb",
        }
    )
    env.update(extra)
    return env


def start(
    args: Sequence[str],
    *,
    workdir: Path,
    repo: Path | None = None,
    pause: str | None = None,
    pause_s: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    out_dir: Path | None = None,
    tmpdir: Path | None = None,
    prefix: Sequence[str] = (),
) -> Run:
    """Start ``python -m perfwaterfall ARGS`` as a new session, paused at ``pause`` if given.

    ``tmpdir`` defaults to ``WORKDIR/tmp``; ``prefix`` goes before the interpreter
    (``unshare ...``).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tmpdir = tmpdir or workdir / "tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    marker = uuid.uuid4().hex
    mark = workdir / "paused"
    extra = dict(env or {})
    if pause:
        extra["PW_FAULT_PAUSE"] = pause
    if pause_s is not None:
        extra["PW_FAULT_PAUSE_S"] = str(pause_s)
    before = Checkout.of(repo) if repo is not None else None
    sampler = Sampler(marker)
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "perfwaterfall", *args],
        cwd=cwd or workdir,
        env=cli_env(tmpdir, marker, mark, extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sampler.start()
    return Run(proc, repo, tmpdir, mark, marker, before, sampler, out_dir or workdir)


def run(args: Sequence[str], *, workdir: Path, timeout: float = 120.0, **kw: Any) -> Run:
    """Start and wait to the end (a hang fails after ``timeout``)."""
    r = start(args, workdir=workdir, **kw)
    r.finish(timeout)
    return r


def one_line(stderr: str) -> str:
    """The CLI's error contract: one line, never a traceback.

    A harness failure may add the harness's own stderr tail, each line quoted ``  | ``.
    """
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("  | ")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("perf-waterfall: "), stderr
    return lines[0]


def copy_scenarios_repo(path: Path) -> Path:
    """A repository holding this checkout's ``scenarios`` (as under test) in two commits."""
    path.mkdir(parents=True)
    shutil.copytree(
        ROOT / "scenarios", path / "scenarios", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy2(ROOT / "pyproject.toml", path / "pyproject.toml")
    (path / ".gitignore").write_text("__pycache__/\n")
    run_git(path, "init", "-q", "-b", "main")
    run_git(path, "add", "-A")
    run_git(path, "commit", "-q", "-m", "scenarios as under test")
    run_git(path, "branch", "base")
    (path / "NOTES").write_text("a second commit\n")
    run_git(path, "add", "-A")
    run_git(path, "commit", "-q", "-m", "second", tick=1)
    return path


def git_wrapper(directory: Path) -> Path:
    """A ``git`` that dawdles (1.5 s, announcing itself) in one subcommand named by the test.

    ``PW_FAULT_GIT_SLOW`` is a fragment of the argv (``worktree add``); the wrapper
    touches ``PW_FAULT_MARK`` and sleeps before running the real git, so a signal can
    land while git works. Every other invocation goes straight to git.
    """
    real = shutil.which("git")
    assert real, "git is not on PATH"
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "git"
    script.write_text(
        "#!/bin/sh\n"
        'if [ -n "$PW_FAULT_GIT_SLOW" ]; then\n'
        '  case " $* " in *" $PW_FAULT_GIT_SLOW "*)\n'
        '    : > "$PW_FAULT_MARK.git"; mv "$PW_FAULT_MARK.git" "$PW_FAULT_MARK"; sleep 1.5;;\n'
        "  esac\n"
        "fi\n"
        f'exec {shlex.quote(real)} "$@"\n'
    )
    script.chmod(0o755)
    return directory


def fast_first(
    cases: Sequence[tuple[Any, ...]], n: int, ids: Sequence[str] | None = None
) -> list[Any]:
    """Parameter sets of which the first ``n`` run in `make test`, the rest in `make faults`."""
    return [
        pytest.param(
            *case,
            id=None if ids is None else ids[i],
            marks=[] if i < n else [pytest.mark.faults],
        )
        for i, case in enumerate(cases)
    ]
