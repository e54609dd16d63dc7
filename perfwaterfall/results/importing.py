"""Bundles saved by ``compare`` and ``run`` (CI artifacts) into the store.

Only sides measured at a commit (not WORKTREE) and without ``--env`` are taken: the
others do not measure the commit as it is. A bundle's sides were interleaved, so they
share one session, named after the bundle so a second import of it adds nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfwaterfall.errors import UsageError
from perfwaterfall.measure.refs import WORKTREE
from perfwaterfall.results.rows import Setup, StoredCommit
from perfwaterfall.results.store import ResultsStore
from perfwaterfall.store.bundle import load


@dataclass(frozen=True)
class Imported:
    path: Path
    commits: tuple[str, ...]  # shas whose rounds were added
    skipped: tuple[str, ...]  # why a side was left out, one line each


def import_bundle(
    store: ResultsStore, path: Path, harness: Sequence[str], setup: Sequence[str] | None
) -> Imported:
    bundle = load(path)
    if bundle.failure is not None:
        raise UsageError(f"{path}: a round failed in that run; it is not imported")
    key = Setup(
        tuple(harness), None if setup is None else tuple(setup),
        bundle.frames, bundle.warmup, bundle.machine,
    )  # fmt: skip
    digest = hashlib.sha256(f"{bundle.created}{bundle.command}".encode()).hexdigest()[:16]
    session = f"bundle-{digest}"
    added, skipped = [], []
    for side in bundle.sides:
        if side.ref.sha == WORKTREE or side.env:
            skipped.append(f"{side.label}: uncommitted changes or --env, not the commit itself")
            continue
        present = store.rounds(key, side.ref.sha)
        if any(s == session for tagged in present.values() for s, _ in tagged):
            skipped.append(f"{side.label}: imported before")
            continue
        store.note_commits([StoredCommit(side.ref.sha, side.ref.short, "", side.ref.subject)])
        names = [s.name for s in bundle.scenarios]
        store.add_rounds(key, side.ref.sha, session, "import", side.rounds, names)
        added.append(side.ref.sha)
    return Imported(path, tuple(added), tuple(skipped))
