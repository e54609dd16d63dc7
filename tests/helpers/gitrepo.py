"""Throw-away git repositories built from a list of operations (after asv's test/tools.py).

    build_repo(tmp_path / "r", [("write", "a.txt", "1"), ("commit", "first"), ("tag", "v1")])

Operations: ("write", path, text), ("delete", path), ("commit", message), ("tag", name),
("branch", name) (at HEAD), ("checkout", name). Git runs with no global or system
config, fixed identities and dates, so shas are reproducible and user settings
(gpg signing, hooks, default branch) cannot leak in.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

Op = tuple[str, ...]

_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
}

SAMPLE_OPS: list[Op] = [
    ("write", "README.md", "sample\n"),
    ("write", "pkg/__init__.py", "VALUE = 1\n"),
    ("write", ".gitignore", "*.log\n"),
    ("commit", "first commit"),
    ("tag", "v1"),
    ("write", "pkg/__init__.py", "VALUE = 2\n"),
    ("write", "pkg/keep.py", "KEEP = True\n"),
    ("commit", "second commit"),
    ("branch", "feature"),
    ("write", "pkg/__init__.py", "VALUE = 3\n"),
    ("commit", "third commit"),
    ("write", "pkg/__init__.py", "VALUE = 4\n"),
    ("commit", "fourth commit"),
]


def run_git(cwd: Path, *args: str, tick: int = 0) -> str:
    """Run git isolated from the user's configuration; return stdout."""
    env = {**os.environ, **_GIT_ENV}
    date = f"@{1_700_000_000 + tick * 60} +0000"
    env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def build_repo(path: Path, ops: Sequence[Op]) -> Path:
    """Create a repository at ``path`` (branch ``main``) and apply ``ops`` in order."""
    path.mkdir(parents=True, exist_ok=True)
    run_git(path, "init", "-q", "-b", "main")
    for tick, op in enumerate(ops):
        _apply(path, op, tick)
    return path


def _apply(repo: Path, op: Op, tick: int) -> None:
    kind, *args = op
    if kind == "write":
        target = repo / args[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(args[1])
    elif kind == "delete":
        (repo / args[0]).unlink()
    elif kind == "commit":
        run_git(repo, "add", "-A")
        run_git(repo, "commit", "-q", "--allow-empty", "-m", args[0], tick=tick)
    elif kind == "tag":
        run_git(repo, "tag", args[0])
    elif kind == "branch":
        run_git(repo, "branch", args[0])
    elif kind == "checkout":
        run_git(repo, "checkout", "-q", args[0])
    else:
        raise ValueError(f"unknown repo operation {op!r}")


def user_state(repo: Path) -> dict[str, Any]:
    """Everything perf-waterfall promises not to touch, in a comparable form."""
    index = (repo / ".git" / "index").read_bytes()  # first: a plain `git status` may rewrite it
    return {
        "index": index,
        "status": run_git(repo, "--no-optional-locks", "status", "--porcelain", "-uall"),
        "head": run_git(repo, "rev-parse", "HEAD"),
        "symbolic_head": (repo / ".git" / "HEAD").read_text(),
        "refs": run_git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "stash": run_git(repo, "stash", "list"),
        "worktrees": run_git(repo, "worktree", "list", "--porcelain"),
    }


def registered_worktrees(repo: Path) -> list[Path]:
    """Linked worktrees git knows of (the main checkout excluded)."""
    out = run_git(repo, "worktree", "list", "--porcelain")
    paths = [
        Path(line.split(" ", 1)[1]) for line in out.splitlines() if line.startswith("worktree ")
    ]
    return paths[1:]


@pytest.fixture(name="sample_repo")
def sample_repo_fixture(tmp_path: Path) -> Path:
    """A repository with four commits on main, tag v1 on the first, branch feature on the second."""
    return build_repo(tmp_path / "sample repo ü", SAMPLE_OPS)
