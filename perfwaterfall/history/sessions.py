"""Measuring commits into the cache, through the one run sequence (measure/run.py).

A session is one ``measure`` call: its commits' rounds are interleaved, it makes and
removes its worktrees and process groups on every exit path, as compare does. A
commit whose harness fails is kept as a failure and the session re-runs without it;
``required`` commits (a bisect's endpoints) cannot fail quietly: their failure is the
command's error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.errors import HarnessFailed, UsageError
from perfwaterfall.history.cache import MeasurementCache
from perfwaterfall.measure.run import MeasureRequest, Observer, SideRequest, measure, new_run_id


@dataclass(frozen=True)
class SessionSettings:
    """What every session of one command shares."""

    repo: Path
    frames: int
    warmup: int
    threshold_pct: float
    harness: str | None
    round_timeout_s: float
    keep_awake: bool | None = None  # None: the environment decides (keep_awake.wanted)


def label_of(sha: str) -> str:
    return sha[:12]


def measure_session(
    settings: SessionSettings,
    cache: MeasurementCache,
    shas: Sequence[str],
    *,
    scenarios: Sequence[str],
    policy: RoundsPolicy,
    required: Sequence[str] = (),
    observer: Observer | None = None,
) -> dict[str, str]:
    """Measure ``shas`` interleaved into ``cache``; the failed commits, sha -> why."""
    failed: dict[str, str] = {}
    remaining = list(dict.fromkeys(shas))
    while remaining:
        try:
            blamed = _try(settings, cache, remaining, scenarios, policy, required, observer)
        except _Unattributed:
            # An error that names no commit: measure each alone, so it names itself.
            for sha in (s for s in remaining if s not in required):
                alone = [sha, *required]
                failed |= measure_session(
                    settings,
                    cache,
                    alone,
                    scenarios=scenarios,
                    policy=policy,
                    required=required,
                    observer=observer,
                )
            return failed
        if blamed is None:
            return failed
        sha, message = blamed
        cache.fail(sha, message)
        failed[sha] = message
        remaining.remove(sha)
        if len(remaining) == len(required) and not set(remaining) - set(required):
            # Only the endpoints are left: what remains would measure nothing new.
            return failed
    return failed


def _try(
    settings: SessionSettings,
    cache: MeasurementCache,
    shas: list[str],
    scenarios: Sequence[str],
    policy: RoundsPolicy,
    required: Sequence[str],
    observer: Observer | None,
) -> tuple[str, str] | None:
    """One session; None when it measured everything, else the commit to blame and why."""
    request = MeasureRequest(
        repo=settings.repo,
        sides=tuple(SideRequest(label_of(sha), sha) for sha in shas),
        scenarios=tuple(scenarios),
        frames=settings.frames,
        warmup=settings.warmup,
        policy=policy,
        harness=settings.harness,
        round_timeout_s=settings.round_timeout_s,
        threshold_pct=settings.threshold_pct,
        keep_awake=settings.keep_awake,
    )
    by_label = {label_of(sha): sha for sha in shas}
    try:
        measurement = measure(request, observer)
    except (HarnessFailed, UsageError) as exc:
        blamed = by_label.get(getattr(exc, "side", ""))
        if blamed is None:
            optional = [sha for sha in shas if sha not in required]
            if len(optional) > 1:
                raise _Unattributed from exc
            blamed = optional[0] if optional else None
        if blamed is None or blamed in required:
            raise
        return blamed, str(exc)
    if measurement.failure is not None:
        blamed = by_label.get(measurement.failure.side)
        if blamed is None or blamed in required:
            raise measurement.failure
        return blamed, str(measurement.failure)
    missing = [sha for i, sha in enumerate(shas) if not _measured(measurement.rounds, i)]
    for sha in missing:
        if sha not in required:
            return sha, "measured no scenario (it does not list the one asked for)"
    session = new_run_id()
    listed = [s.name for s in measurement.scenarios] if not scenarios else []
    for i, sha in enumerate(shas):
        rounds = {name: per_side[i] for name, per_side in measurement.rounds.items()}
        cache.add(sha, session, rounds, listed)
    return None


class _Unattributed(Exception):
    """A session failed in a way that names none of its several optional commits."""


def _measured(rounds: Mapping[str, Sequence[Sequence[object]]], side: int) -> bool:
    return any(per_side[side] for per_side in rounds.values())
