"""The named commit against its parent, as a Bundle: the waterfall a bisect ends with.

The two must share a session (interleaved rounds) for an honest picture; when the
search never measured them together, one more session does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.history.cache import MeasurementCache, TaggedRound
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.pairing import paired_rounds, shares_session
from perfwaterfall.history.sessions import SessionSettings, measure_session
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.measure.run import Observer
from perfwaterfall.store.bundle import Bundle, BundleSide
from perfwaterfall.store.machine import describe_machine


def pair_bundle(
    settings: SessionSettings,
    cache: MeasurementCache,
    parent: Commit,
    commit: Commit,
    *,
    scenario: str,
    rounds: int,
    command: str,
    progress: Observer | None = None,
) -> Bundle:
    """``parent`` against ``commit`` on ``scenario``, from the cache (measured if need be)."""

    def tagged(c: Commit) -> list[TaggedRound]:
        return cache.get(c.sha).rounds.get(scenario, [])

    if not shares_session(tagged(parent), tagged(commit)):
        measure_session(
            settings,
            cache,
            [parent.sha, commit.sha],
            scenarios=[scenario],
            policy=RoundsPolicy.fixed(rounds),
            required=[parent.sha, commit.sha],
            observer=progress,
        )
    base, head = paired_rounds(tagged(parent), tagged(commit))
    return Bundle(
        sides=(
            BundleSide("parent", _ref(parent), {}, {scenario: base}),
            BundleSide("commit", _ref(commit), {}, {scenario: head}),
        ),
        scenarios=(head[-1].scenario,),
        frames=settings.frames,
        warmup=settings.warmup,
        planned_rounds=len(head),
        machine=describe_machine(),
        commits=((commit.short, commit.subject),),
        commits_total=1,
        command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _ref(commit: Commit) -> RefInfo:
    return RefInfo(name=commit.short, sha=commit.sha, short=commit.short, subject=commit.subject)
