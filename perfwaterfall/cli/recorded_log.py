"""`log --recorded` and `--fill-missing`: the log read from the results store."""

from __future__ import annotations

from collections.abc import Sequence

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.errors import UsageError
from perfwaterfall.history.cache import MeasurementCache
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.series import LogReport
from perfwaterfall.history.sessions import SessionSettings
from perfwaterfall.measure.run import Observer


def log_recorded(
    settings: SessionSettings,
    cache: MeasurementCache,
    commits: Sequence[Commit],
    text: str,
    scenarios: Sequence[str],
    policy: RoundsPolicy,
    fill: bool,
    progress: Observer,
) -> list[LogReport]:
    from perfwaterfall.results.log_view import fill_missing, recorded_logs
    from perfwaterfall.results.store_cache import StoreCache

    assert isinstance(cache, StoreCache)
    if fill:
        fill_missing(
            settings, cache, commits, scenarios=scenarios, rounds=policy.minimum, progress=progress
        )
    reports = recorded_logs(
        cache,
        commits,
        text=text,
        scenarios=scenarios,
        threshold_pct=settings.threshold_pct,
        policy=policy,
    )
    if not reports:
        raise UsageError(
            f"the results store {cache.store.path} holds no commit of {text} with these "
            "settings (record some, or add --fill-missing)"
        )
    return reports
