"""Git refs: resolve what the user named, read commits and status; never write.

The contract (docs/architecture.md): nothing here changes the user's checkout, index, branches or
stash, and every worktree is removed and pruned on every exit path. Hence: refs are
only read, the ``WORKTREE`` side is *copied* into a detached worktree (no stash, no
add), status is read with ``--no-optional-locks`` (a plain ``git status`` may rewrite
``.git/index``), and hooks are disabled for the commands we run (a ``post-checkout``
hook could do anything).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from perfwaterfall.errors import UsageError
from perfwaterfall.measure.processes import deferred_signals
from perfwaterfall.protocol.sanitize import shown

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
    sha = commit_sha(repo, ref)
    if sha is None:
        raise UsageError(
            f"unknown ref {ref!r}: it does not name a commit in {repo_root(repo)}{_hint(repo)}"
        )
    short = git_output(repo, "rev-parse", "--short", sha)
    # A commit message is anyone's text: its escape sequences must not reach a terminal.
    return RefInfo(name=ref, sha=sha, short=short, subject=shown(str(repo.commit(sha).summary)))


def default_base_ref(repo: git.Repo) -> str:
    """The base when the user names none: origin/main, else main, else master."""
    for candidate in DEFAULT_BASE_CANDIDATES:
        if commit_sha(repo, candidate) is not None:
            return candidate
    tried = ", ".join(DEFAULT_BASE_CANDIDATES)
    raise UsageError(f"no base ref given and none of {tried} exists in {repo_root(repo)}: name one")


def commits_between(
    repo: git.Repo, base: RefInfo, head: RefInfo, limit: int = 10
) -> tuple[list[tuple[str, str]], int]:
    """(short sha, subject) of base..head, newest first and capped at ``limit``; and the total."""
    span = f"{_commit_of(base)}..{_commit_of(head)}"
    total = int(git_output(repo, "rev-list", "--count", span))
    if limit <= 0 or total == 0:
        return [], total
    out = git_output(repo, "log", f"--max-count={limit}", "--format=%h%x00%s", span)
    commits = [
        (shown(short), shown(subject))
        for short, _, subject in (ln.partition("\0") for ln in out.split("\n"))
    ]
    return commits, total


def is_dirty(repo: git.Repo) -> bool:
    """Tracked changes or untracked files that are not ignored (read without locking the index)."""
    return bool(
        git_output(repo, "--no-optional-locks", "status", "--porcelain", "--untracked-files=normal")
    )


def _check_ref_text(ref: str) -> None:
    if not ref.strip():
        raise UsageError("empty ref: name a branch, tag, commit or WORKTREE")
    if ref.startswith("-"):
        raise UsageError(f"refusing ref {ref!r}: it starts with '-' and would be read as an option")
    if "\0" in ref or "\n" in ref:
        raise UsageError(f"unknown ref {ref!r}: a ref cannot contain NUL or newline characters")


def commit_sha(repo: git.Repo, ref: str) -> str | None:
    """The full sha of the commit ``ref`` names, or None (a tag is peeled, a tree refused)."""
    try:
        out = git_output(
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


def repo_root(repo: git.Repo) -> Path:
    assert repo.working_tree_dir is not None
    return Path(repo.working_tree_dir)


def git_output(repo: git.Repo, *args: str) -> str:
    """Run git at the repository root (an argv, never a shell); stdout without the final newline."""
    out = repo.git.execute([git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args])
    return str(out)


def git_bytes(repo: git.Repo, *args: str) -> bytes:
    """As ``git_output``, for NUL-separated output whose paths need not be UTF-8."""
    cmd = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args]
    out = repo.git.execute(cmd, stdout_as_string=False, strip_newline_in_stdout=False)
    assert isinstance(out, bytes)
    return out


def git_to_completion(repo: git.Repo, *args: str) -> None:
    """Run a git command that changes worktrees, never abandoning it half-way.

    SIGINT/SIGTERM are held (git inherits the mask, so a terminal Ctrl-C does not
    kill it either); if a signal still reaches us through another thread, we wait for
    git to finish before raising, so cleanup never races a running ``worktree add``.
    """
    cmd = [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *_GIT_OPTIONS, *args]
    with deferred_signals(), tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd,
            cwd=repo_root(repo),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
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
