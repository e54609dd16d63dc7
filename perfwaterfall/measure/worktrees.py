"""Throw-away worktrees: made per run, removed on every exit path, leftovers of killed runs too.

The contract (docs/architecture.md): nothing here changes the user's checkout, index,
branches or stash. The ``WORKTREE`` side is *copied* into a detached worktree (no
stash, no add), and hooks are disabled for the git commands we run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import git

from perfwaterfall.errors import UsageError
from perfwaterfall.measure.processes import deferred_signals, run_to_completion
from perfwaterfall.measure.refs import (
    WORKTREE,
    RefInfo,
    commit_sha,
    git_bytes,
    git_output,
    git_to_completion,
    repo_root,
)
from perfwaterfall.measure.scratch import PREFIX as TEMP_PREFIX
from perfwaterfall.measure.scratch import ROOT_NAME, pid_alive


@contextlib.contextmanager
def checked_out(repo: git.Repo, refs: Sequence[RefInfo], *, run_id: str) -> Iterator[list[Path]]:
    """One detached worktree per ref (the same sha twice gives two), removed on every exit.

    They live in a fresh temporary directory named after ``run_id`` and our pid, so two
    runs on one repository never collide. Cleanup holds SIGINT/SIGTERM until it is done.
    """
    prefix = f"{TEMP_PREFIX}{_safe_name(run_id)}-{os.getpid()}-"
    root: Path | None = None
    attempted: list[Path] = []
    try:
        with deferred_signals():
            # Resolved: git records real paths, and cleanup matches them against this one.
            root = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
        paths = []
        for i, ref in enumerate(refs):
            path = root / f"{i}-{_safe_name(ref.short)}"
            attempted.append(path)
            _create_worktree(repo, ref, path)
            paths.append(path)
        yield paths
    finally:
        if root is not None:
            _remove_worktrees(repo, root, attempted)
        else:
            # Interrupted after mkdtemp made the directory but before it was recorded (the
            # mask does not stop a handler running when another thread took the signal).
            run_to_completion(lambda: _remove_unrecorded_roots(prefix))


def _remove_unrecorded_roots(prefix: str) -> None:
    """Directories of this run (the prefix names its run id and pid) holding no worktree yet."""
    for orphan in Path(tempfile.gettempdir()).glob(f"{glob.escape(prefix)}*"):
        shutil.rmtree(orphan, ignore_errors=True)


def tool_worktrees(repo: git.Repo) -> list[Path]:
    """Registered worktrees that perf-waterfall made (of any run, live or stale)."""
    out = git_output(repo, "worktree", "list", "--porcelain")
    paths = [
        Path(line[len("worktree ") :]) for line in out.splitlines() if line.startswith("worktree ")
    ]
    return [p for p in paths if ROOT_NAME.match(p.parent.name)]


def stale_worktrees(repo: git.Repo) -> list[Path]:
    """Worktrees of perf-waterfall runs whose process is gone (killed before it could clean up)."""
    stale = []
    for path in tool_worktrees(repo):
        match = ROOT_NAME.match(path.parent.name)
        if match and not pid_alive(int(match.group(1))):
            stale.append(path)
    return stale


def remove_leftover_worktrees(repo: git.Repo) -> list[Path]:
    """Remove the worktrees of runs that were killed outright (SIGKILL, a lost machine):
    their cleanup never ran. Live runs, and anything not ours, are left alone."""
    stale = stale_worktrees(repo)
    by_root: dict[Path, list[Path]] = {}
    for path in stale:
        by_root.setdefault(path.parent, []).append(path)
    for root, paths in by_root.items():
        _remove_worktrees(repo, root, paths)
    return stale


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text)[:40] or "run"


def _create_worktree(repo: git.Repo, ref: RefInfo, path: Path) -> None:
    """A detached worktree at ref; for WORKTREE, at HEAD with the uncommitted changes copied in."""
    if ref.sha == WORKTREE:
        changes = _uncommitted_changes(repo)
        sha = commit_sha(repo, "HEAD")
        if sha is None:
            raise UsageError(f"WORKTREE needs a commit to start from; {repo_root(repo)} has none")
    else:
        changes, sha = [], ref.sha
    git_to_completion(repo, "worktree", "add", "--detach", "--quiet", str(path), sha)
    _apply_changes(repo_root(repo), path, changes)


def _uncommitted_changes(repo: git.Repo) -> list[str]:
    """Paths that differ between HEAD and the working tree, untracked non-ignored files included.

    ``--no-renames`` turns a rename into a deletion and an addition; submodules are
    left out (their state is not ours to copy).
    """
    out = git_bytes(
        repo,
        "--no-optional-locks",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--ignore-submodules=all",
    )
    return [os.fsdecode(entry[3:]) for entry in out.split(b"\0") if len(entry) > 3]


def _apply_changes(source: Path, dest: Path, changes: Sequence[str]) -> None:
    """Make each changed path in ``dest`` what it is in ``source``: deletions first, then copies."""
    missing = [rel for rel in changes if not os.path.lexists(source / rel)]
    present = [rel for rel in changes if os.path.lexists(source / rel)]
    for rel in missing:
        _remove_path(dest / rel)
    for rel in present:
        src, dst = source / rel, dest / rel
        if src.is_dir() and not src.is_symlink():
            continue  # a nested repository or submodule: not ours to copy
        if os.path.lexists(dst):
            _remove_path(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)


def _remove_path(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _remove_worktrees(repo: git.Repo, root: Path, attempted: Sequence[Path]) -> None:
    """Remove, rmtree, prune: to completion, even through a second Ctrl-C."""
    run_to_completion(lambda: _remove_steps(repo, root, attempted))


def _remove_steps(repo: git.Repo, root: Path, attempted: Sequence[Path]) -> None:
    for path in attempted:
        if path.exists():
            # Twice --force: also removes a worktree still locked by an interrupted `add`.
            with contextlib.suppress(git.GitCommandError):
                git_to_completion(repo, "worktree", "remove", "--force", "--force", str(path))
    shutil.rmtree(root, ignore_errors=True)
    leftovers = _admin_dirs_under(repo, root)
    if leftovers:
        for admin in leftovers:
            # What `git worktree unlock` does; a locked entry is never pruned.
            (admin / "locked").unlink(missing_ok=True)
        with contextlib.suppress(git.GitCommandError):
            git_to_completion(repo, "worktree", "prune")


def _admin_dirs_under(repo: git.Repo, root: Path) -> list[Path]:
    """``.git/worktrees/<name>`` entries whose checkout was (or is) inside ``root``."""
    admin_root = Path(repo.common_dir, "worktrees")
    if not admin_root.is_dir():
        return []
    found = []
    for admin in admin_root.iterdir():
        try:
            gitdir = Path((admin / "gitdir").read_text().strip())
        except OSError:
            continue
        if gitdir.is_relative_to(root):
            found.append(admin)
    return found
