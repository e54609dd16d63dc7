"""``log`` from the results store: recorded commits shown without measuring anything.

One log per machine fingerprint that holds rows for the range (with the harness,
frames and warm-up asked for): two machines' series are never one line. Asked to,
the commits this machine has no rows for are measured first (a few per session), and
nothing else is.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.history.cache import CacheKey
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.series import LogReport, build_log
from perfwaterfall.history.sessions import SessionSettings, measure_session
from perfwaterfall.measure.run import Observer
from perfwaterfall.results.store_cache import StoreCache

PER_SESSION = 6  # commits measured together when filling gaps


def missing(cache: StoreCache, commits: Sequence[Commit], scenarios: Sequence[str]) -> list[Commit]:
    """The commits this machine's setup holds no rounds of (of ``scenarios``, if named)."""
    out = []
    for commit in commits:
        have = cache.store.scenarios_of(cache.setup, commit.sha)
        if not have or any(name not in have for name in scenarios):
            out.append(commit)
    return out


def fill_missing(
    settings: SessionSettings,
    cache: StoreCache,
    commits: Sequence[Commit],
    *,
    scenarios: Sequence[str],
    rounds: int,
    progress: Observer | None = None,
) -> int:
    """Measure only what is missing; how many commits that was."""
    gaps = missing(cache, commits, scenarios)
    for start in range(0, len(gaps), PER_SESSION):
        chunk = gaps[start : start + PER_SESSION]
        measure_session(
            settings,
            cache,
            [c.sha for c in chunk],
            scenarios=scenarios,
            policy=RoundsPolicy.fixed(rounds),
            observer=progress,
        )
    return len(gaps)


def recorded_logs(
    cache: StoreCache,
    commits: Sequence[Commit],
    *,
    text: str,
    scenarios: Sequence[str],
    threshold_pct: float,
    policy: RoundsPolicy,
) -> list[LogReport]:
    """A log per machine with rows in the range; this machine's first."""
    wanted = {c.sha for c in commits}
    mine = cache.setup
    views = []
    for _, setup in cache.store.setups():
        same_settings = (setup.harness, setup.setup, setup.frames, setup.warmup) == (
            mine.harness,
            mine.setup,
            mine.frames,
            mine.warmup,
        )
        if not same_settings or not wanted & cache.store.recorded(setup):
            continue
        key = CacheKey(setup.harness, setup.setup, setup.frames, setup.warmup, setup.machine)
        view = StoreCache(cache.store, cache.root, key)
        views.append((setup.fingerprint != mine.fingerprint, view))
    views.sort(key=lambda v: v[0])
    return [
        build_log(
            view,
            commits,
            text=text,
            scenarios=scenarios,
            threshold_pct=threshold_pct,
            policy=policy,
        )
        for _, view in views
    ]
