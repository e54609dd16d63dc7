"""A bundle saved with ``--save`` seeds the cache: its commits need not be measured again.

Only sides measured at a commit (not WORKTREE) with the cache's frames and warm-up
are taken; the sides of one bundle were interleaved, so they share one session.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from perfwaterfall.errors import UsageError
from perfwaterfall.history.cache import MeasurementCache
from perfwaterfall.measure.refs import WORKTREE
from perfwaterfall.store.bundle import load


def seed_cache(cache: MeasurementCache, path: Path) -> int:
    """Add the bundle's rounds to ``cache``; how many commits it seeded."""
    bundle = load(path)
    key = cache.key
    if (bundle.frames, bundle.warmup) != (key.frames, key.warmup):
        raise UsageError(
            f"--seed {path}: measured with --frames {bundle.frames} --warmup {bundle.warmup}, "
            f"this run uses --frames {key.frames} --warmup {key.warmup}"
        )
    if bundle.failure is not None:
        raise UsageError(f"--seed {path}: a round failed in that run; it cannot seed the cache")
    digest = hashlib.sha256(f"{path.resolve()}{bundle.created}".encode()).hexdigest()
    session = f"bundle-{digest[:16]}"
    seeded = 0
    for side in bundle.sides:
        if side.ref.sha == WORKTREE or side.env:
            continue  # uncommitted changes or another environment: not what the commit measures
        present = cache.get(side.ref.sha).rounds
        if any(t.session == session for tagged in present.values() for t in tagged):
            continue  # seeded from this bundle before
        cache.add(side.ref.sha, session, side.rounds, [s.name for s in bundle.scenarios])
        seeded += 1
    return seeded
