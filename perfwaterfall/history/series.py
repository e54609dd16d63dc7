"""A range of history measured point by point: each commit against the one before it.

Consecutive points are measured in the same session (interleaved), in chunks that
overlap by one commit, so every step of the log is a paired comparison. All steps of
one pipeline are judged as one family: a longer log does not raise the chance of
marking noise. A commit whose harness failed stays in the log, as a failure, and the
next point is compared with the last one measured. Over the whole series, the
change-point test (log_changes.py) finds where each column stepped.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from perfwaterfall.analysis.comparison import RoundSummary, ScenarioComparison, summarize_round
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.history.cache import MeasurementCache
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.log_changes import ColumnChanges, column_changes
from perfwaterfall.history.pairing import Pair, judge_pairs, paired_rounds, shares_session
from perfwaterfall.history.sessions import SessionSettings, measure_session
from perfwaterfall.measure.run import Observer
from perfwaterfall.store.machine import MachineInfo

CHUNK = 6  # commits per session: more worktrees at once cost disk and setup, not accuracy


@dataclass(frozen=True)
class LogPoint:
    commit: Commit
    failure: str | None = None
    frame_ms: float | None = None  # median of the round medians
    stage_ms: dict[str, float] | None = None
    change: ScenarioComparison | None = None  # against the previous measured point


@dataclass(frozen=True)
class LogSeries:
    scenario: str
    label: str
    stages: tuple[str, ...]
    points: tuple[LogPoint, ...]
    changes: ColumnChanges = field(default_factory=ColumnChanges)  # indices into points


@dataclass(frozen=True)
class LogReport:
    range: str
    series: tuple[LogSeries, ...]
    threshold_pct: float
    frames: int
    warmup: int
    policy: RoundsPolicy
    machine: MachineInfo


def every_nth(commits: Sequence[Commit], step: int) -> list[Commit]:
    """Every ``step``-th commit counted back from the newest, which is always kept."""
    return list(commits[::-1][::step][::-1])


def measure_log(
    settings: SessionSettings,
    cache: MeasurementCache,
    commits: Sequence[Commit],
    *,
    scenarios: Sequence[str],
    policy: RoundsPolicy,
    progress: Observer | None = None,
) -> None:
    """Measure what the cache lacks: a point without rounds, a step never measured together;
    with an adaptive policy, then more rounds for the steps whose frame time is undecided."""
    rounds = policy.minimum
    for _ in range(2 * len(commits) + 2):
        alive = [c for c in commits if cache.get(c.sha).failure is None]
        chunk = _next_chunk(cache, alive, _names(cache, alive, scenarios), rounds)
        if not chunk:
            break
        measure_session(
            settings,
            cache,
            [c.sha for c in chunk],
            scenarios=scenarios,
            policy=RoundsPolicy.fixed(rounds),
            observer=progress,
        )
    for _ in range(policy.looks - 1):
        alive = [c for c in commits if cache.get(c.sha).failure is None]
        undecided = [
            (step, name)
            for name in _names(cache, alive, scenarios)
            for step in _steps(cache, commits, name, settings.threshold_pct, policy.looks)
            if step.change.frame.verdict is Verdict.UNDECIDED and step.rounds < policy.maximum
        ]
        for step, name in undecided:
            measure_session(
                settings,
                cache,
                [commits[step.before].sha, commits[step.after].sha],
                scenarios=[name],
                policy=RoundsPolicy.fixed(min(policy.batch, policy.maximum - step.rounds)),
                observer=progress,
            )
        if not undecided:
            return


def _names(cache: MeasurementCache, alive: Sequence[Commit], scenarios: Sequence[str]) -> list[str]:
    if scenarios:
        return list(scenarios)
    for commit in reversed(alive):
        listed = cache.get(commit.sha).listed
        if listed:
            return list(listed)
    return []


def _next_chunk(
    cache: MeasurementCache, alive: Sequence[Commit], names: Sequence[str], rounds: int
) -> list[Commit]:
    if not alive:
        return []
    if not names:
        return list(alive[:CHUNK])
    entries = [cache.get(c.sha).rounds for c in alive]
    for i, entry in enumerate(entries):
        if i == 0:
            short = any(len(entry.get(n, [])) < rounds for n in names)
        else:
            previous = entries[i - 1]
            short = any(
                not shares_session(previous.get(n, []), entry.get(n, []))
                or len(paired_rounds(previous.get(n, []), entry.get(n, []))[0]) < rounds
                for n in names
            )
        if short:
            start = max(0, i - 1)
            return list(alive[start : start + CHUNK])
    return []


def build_log(
    cache: MeasurementCache,
    commits: Sequence[Commit],
    *,
    text: str,
    scenarios: Sequence[str],
    threshold_pct: float,
    policy: RoundsPolicy,
) -> LogReport:
    """Every point's medians and its verdicts against the point before, per pipeline."""
    alive = [c for c in commits if cache.get(c.sha).failure is None]
    series = tuple(
        _series(cache, commits, name, threshold_pct, policy.looks)
        for name in _names(cache, alive, scenarios)
    )
    key = cache.key
    return LogReport(
        range=text,
        series=tuple(s for s in series if s is not None),
        threshold_pct=threshold_pct,
        frames=key.frames,
        warmup=key.warmup,
        policy=policy,
        machine=key.machine,
    )


@dataclass(frozen=True)
class _Step:
    before: int  # index into the commits
    after: int
    rounds: int  # pairs of rounds behind the comparison
    change: ScenarioComparison


def _steps(
    cache: MeasurementCache,
    commits: Sequence[Commit],
    name: str,
    threshold_pct: float,
    looks: int,
) -> list[_Step]:
    """Each measured point against the previous measured one, judged as one family."""
    entries = [cache.get(c.sha) for c in commits]
    measured = [i for i, e in enumerate(entries) if e.failure is None and e.rounds.get(name)]
    steps: list[tuple[int, int, Pair]] = []
    for before, after in pairwise(measured):
        pair = paired_rounds(entries[before].rounds[name], entries[after].rounds[name])
        if pair[0]:
            steps.append((before, after, pair))
    judged = judge_pairs([p for *_, p in steps], threshold_pct=threshold_pct, looks=looks)
    return [
        _Step(before, after, len(pair[0]), change)
        for (before, after, pair), change in zip(steps, judged, strict=True)
    ]


def _series(
    cache: MeasurementCache,
    commits: Sequence[Commit],
    name: str,
    threshold_pct: float,
    looks: int,
) -> LogSeries | None:
    entries = [cache.get(c.sha) for c in commits]
    measured = [i for i, e in enumerate(entries) if e.failure is None and e.rounds.get(name)]
    if not measured:
        return None
    changes = {s.after: s.change for s in _steps(cache, commits, name, threshold_pct, looks)}
    last = entries[measured[-1]].rounds[name][-1].result
    points = []
    rounds: list[list[RoundSummary]] = []
    for i, (commit, entry) in enumerate(zip(commits, entries, strict=True)):
        tagged = entry.rounds.get(name, [])
        if entry.failure is not None or not tagged:
            points.append(LogPoint(commit, failure=entry.failure or "not measured"))
            rounds.append([])
            continue
        summaries = [summarize_round(t.result) for t in tagged]
        rounds.append(summaries)
        points.append(
            LogPoint(
                commit,
                frame_ms=statistics.median(s.frame_ms for s in summaries),
                stage_ms={
                    st.name: statistics.median(s.stage_ms[st.name] for s in summaries)
                    for st in tagged[-1].result.stages
                },
                change=changes.get(i),
            )
        )
    stages = tuple(s.name for s in last.stages)
    return LogSeries(
        scenario=name,
        label=last.scenario.label,
        stages=stages,
        points=tuple(points),
        changes=column_changes(rounds, stages),
    )
