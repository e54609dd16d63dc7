"""Git refs and throw-away worktrees: the only module that imports GitPython.

The contract (DESIGN.md): nothing here changes the user's checkout, index, branches or
stash, and every worktree is removed and pruned on every exit path. Hence: refs are
only read, the ``WORKTREE`` side is *copied* into a detached worktree (no stash, no
add), status is read with ``--no-optional-locks`` (a plain ``git status`` may rewrite
``.git/index``), and hooks are disabled for the commands we run (a ``post-checkout``
hook could do anything).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from perfwaterfall.errors import UsageError
from perfwaterfall.procgroup import deferred_signals, run_to_completion
from perfwaterfall.scratch import PREFIX as TEMP_PREFIX
from perfwaterfall.scratch import ROOT_NAME, pid_alive

WORKTREE = "WORKTREE"
DEFAULT_BASE_CANDIDATES = ("origin/main", "main", "master")
# Global options for every git command we run: no hooks, no signature noise in log output.
_GIT_OPTIONS = ("-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false")
# How a user names a commit by its sha (git accepts 4 hex digits or more, any case).
_SHA_PREFIX = re.compile(r"[0-9a-fA-F]{4,40}")


@dataclass(frozen=True)
class RefInfo:
    """A ref resolved to a commit, as the header shows it."""

    name: str  # as the user wrote it
    sha: str  # full sha, or WORKTREE
    short: str  # abbreviated sha; for WORKTREE, HEAD's with -dirty
    subject: str

    @property
    def shown_sha(self) -> str:
        """The short sha to print beside the name; empty when the name is that sha already."""
        by_sha = (
            self.sha != WORKTREE
            and _SHA_PREFIX.fullmatch(self.name) is not None
            and self.sha.startswith(self.name.lower())
        )
        return "" if by_sha else self.short


# ---------------------------------------------------------------- repository and refs


def open_repo(path: Path) -> git.Repo:
    """Open the repository holding ``path`` (any subdirectory of a checkout)."""
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"{path} is not inside a git repository") from None
    except (git.GitError, OSError) as exc:
        raise UsageError(f"{path}: cannot open the git repository ({_first_line(exc)})") from None
    if repo.bare or repo.working_tree_dir is None:
        raise UsageError(f"{path} is a bare repository: perf-waterfall needs a checkout")
    return repo


def resolve_ref(repo: git.Repo, ref: str) -> RefInfo:
    """Resolve what the user wrote to a commit; ``WORKTREE`` is HEAD plus uncommitted changes."""
    _check_ref_text(ref)
    if ref == WORKTREE:
        head = resolve_ref(repo, "HEAD")
        return RefInfo(
            name=ref,
            sha=WORKTREE,
            short=f"{head.short}-dirty",  # git describe --dirty's spelling
            subject=f"uncommitted changes on top of {head.short}",
        )
    sha = _commit_sha(repo, ref)
    if sha is None:
        raise UsageError(
            f"unknown ref {ref!r}: it does not name a commit in {_root(repo)}{_hint(repo)}"
        )
    short = _git(repo, "rev-parse", "--short", sha)
    return RefInfo(name=ref, sha=sha, short=short, subject=str(repo.commit(sha).summary))


def default_base_ref(repo: git.Repo) -> str:
    """The base when the user names none: origin/main, else main, else master."""
    for candidate in DEFAULT_BASE_CANDIDATES:
        if _commit_sha(repo, candidate) is not None:
            return candidate
    tried = ", ".join(DEFAULT_BASE_CANDIDATES)
    raise UsageError(f"no base ref given and none of {tried} exists in {_root(repo)}: name one")


def commits_between(
    repo: git.Repo, base: RefInfo, head: RefInfo, limit: int = 10
) -> tuple[list[tuple[str, str]], int]:
    """(short sha, subject) of base..head, newest first and capped at ``limit``; and the total."""
    span = f"{_commit_of(base)}..{_commit_of(head)}"
    total = int(_git(repo, "rev-list", "--count", span))
    if limit <= 0 or total == 0:
        return [], total
    out = _git(repo, "log", f"--max-count={limit}", "--format=%h%x00%s", span)
    commits = [
        (short, subject) for short, _, subject in (ln.partition("\0") for ln in out.splitlines())
    ]
    return commits, total


def is_dirty(repo: git.Repo) -> bool:
    """Tracked changes or untracked files that are not ignored (read without locking the index)."""
    return bool(
        _git(repo, "--no-optional-locks", "status", "--porcelain", "--untracked-files=normal")
    )


def _check_ref_text(ref: str) -> None:
    if not ref.strip():
        raise UsageError("empty ref: name a branch, tag, commit or WORKTREE")
    if ref.startswith("-"):
        raise UsageError(f"refusing ref {ref!r}: it starts with '-' and would be read as an option")
    if "\0" in ref or "\n" in ref:
        raise UsageError(f"unknown ref {ref!r}: a ref cannot contain NUL or newline characters")


def _commit_sha(repo: git.Repo, ref: str) -> str | None:
    """The full sha of the commit ``ref`` names, or None (a tag is peeled, a tree refused)."""
    try:
        out = _git(
            repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
    except git.GitCommandError:
        return None
    return out.strip() or None


def _commit_of(ref: RefInfo) -> str:
    return "HEAD" if ref.sha == WORKTREE else ref.sha


def _hint(repo: git.Repo) -> str:
    if Path(repo.common_dir, "shallow").exists():
        return " (this is a shallow clone: fetch more history, e.g. git fetch --unshallow)"
    return ""


def _root(repo: git.Repo) -> Path:
    assert repo.working_tree_dir is not None
    return Path(repo.working_tree_dir)


def _git(repo: git.Repo, *args: str) -> str:
    """Run git at the repository root (an argv, never a shell); stdout without the final newline."""
    out = repo.git.execute([git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args])
    return str(out)


def _git_bytes(repo: git.Repo, *args: str) -> bytes:
    """As ``_git``, for NUL-separated output whose paths need not be UTF-8."""
    cmd = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args]
    out = repo.git.execute(cmd, stdout_as_string=False, strip_newline_in_stdout=False)
    assert isinstance(out, bytes)
    return out


def _git_to_completion(repo: git.Repo, *args: str) -> None:
    """Run a git command that changes worktrees, never abandoning it half-way.

    SIGINT/SIGTERM are held (git inherits the mask, so a terminal Ctrl-C does not
    kill it either); if a signal still reaches us through another thread, we wait for
    git to finish before raising, so cleanup never races a running ``worktree add``.
    """
    cmd = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args]
    with deferred_signals(), tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, cwd=_root(repo), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            proc.wait()
        except BaseException:
            _wait_regardless(proc)
            raise
        if proc.returncode != 0:
            err.seek(0)
            raise git.GitCommandError(cmd, proc.returncode, err.read())


def _wait_regardless(proc: subprocess.Popen[bytes]) -> None:
    while proc.returncode is None:
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            proc.wait()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# ---------------------------------------------------------------- worktrees


@contextlib.contextmanager
def worktrees(repo: git.Repo, refs: Sequence[RefInfo], *, run_id: str) -> Iterator[list[Path]]:
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
    out = _git(repo, "worktree", "list", "--porcelain")
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


def sweep_stale_worktrees(repo: git.Repo) -> list[Path]:
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
        sha = _commit_sha(repo, "HEAD")
        if sha is None:
            raise UsageError(f"WORKTREE needs a commit to start from; {_root(repo)} has none")
    else:
        changes, sha = [], ref.sha
    _git_to_completion(repo, "worktree", "add", "--detach", "--quiet", str(path), sha)
    _apply_changes(_root(repo), path, changes)


def _uncommitted_changes(repo: git.Repo) -> list[str]:
    """Paths that differ between HEAD and the working tree, untracked non-ignored files included.

    ``--no-renames`` turns a rename into a deletion and an addition; submodules are
    left out (their state is not ours to copy).
    """
    out = _git_bytes(
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
                _git_to_completion(repo, "worktree", "remove", "--force", "--force", str(path))
    shutil.rmtree(root, ignore_errors=True)
    leftovers = _admin_dirs_under(repo, root)
    if leftovers:
        for admin in leftovers:
            # What `git worktree unlock` does; a locked entry is never pruned.
            (admin / "locked").unlink(missing_ok=True)
        with contextlib.suppress(git.GitCommandError):
            _git_to_completion(repo, "worktree", "prune")


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
