"""The commits a bisect or a log walks: first-parent history, oldest first (read only)."""

from __future__ import annotations

from dataclasses import dataclass

import git

from perfwaterfall.errors import UsageError
from perfwaterfall.measure.refs import commit_sha, git_output
from perfwaterfall.protocol.sanitize import shown

_FORMAT = "--format=%H%x00%h%x00%aI%x00%s"


@dataclass(frozen=True)
class Commit:
    sha: str
    short: str
    date: str  # author date, ISO 8601
    subject: str


def resolve(repo: git.Repo, ref: str) -> Commit:
    """A ref the user named, as a commit; a usage error if it names none."""
    if not ref.strip() or ref.startswith("-"):
        raise UsageError(f"not a commit: {ref!r}")
    sha = commit_sha(repo, ref)
    if sha is None:
        raise UsageError(f"unknown ref {ref!r}: it names no commit")
    return _parse(git_output(repo, "log", "-1", _FORMAT, sha))[0]


def first_parent_range(repo: git.Repo, start: str, end: str) -> list[Commit]:
    """start..end along end's first parents, oldest first: the commits after start up to end."""
    return _parse(
        git_output(repo, "log", "--first-parent", "--reverse", _FORMAT, f"{start}..{end}")
    )


def is_ancestor(repo: git.Repo, older: str, newer: str) -> bool:
    try:
        git_output(repo, "merge-base", "--is-ancestor", older, newer)
    except git.GitCommandError:
        return False
    return True


def parse_range(repo: git.Repo, text: str) -> tuple[Commit, Commit]:
    """'A..B' as its two commits (B defaults to HEAD, as git reads 'A..')."""
    start, sep, end = text.partition("..")
    if not sep or end.startswith("."):
        raise UsageError(f"expected a range START..END (e.g. main~20..main), got {text!r}")
    return resolve(repo, start or "HEAD"), resolve(repo, end or "HEAD")


def _parse(out: str) -> list[Commit]:
    commits = []
    for line in out.splitlines():
        if not line:
            continue
        sha, short, date, subject = line.split("\0", 3)
        commits.append(Commit(sha=sha, short=short, date=date, subject=shown(subject)))
    return commits
