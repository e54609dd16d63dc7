"""Which commit made a quantity slower: the endpoints, the probes, the answer.

Each probe is measured interleaved with both endpoints (GOOD, probe, BAD in one
session) and judged on the chosen quantity alone (probe_rule.py): *bad* when it is
slower than GOOD, *good* when BAD is slower than it, neither when it is off both
ends (between two steps); else undecided: more rounds, in batches, up to the
policy's maximum, then it is skipped, as ``git bisect skip`` does. A failing harness skips it too.

Nothing is measured twice: rounds come from the cache first (cache.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Change
from perfwaterfall.errors import UsageError
from perfwaterfall.history.cache import MeasurementCache
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.pairing import Pair, judge_pairs, paired_rounds
from perfwaterfall.history.probe_rule import (
    ProbeLevels,
    decide,
    judge_rounds,
    more_rounds,
    probe_levels,
)
from perfwaterfall.history.quantity import Quantity
from perfwaterfall.history.search import Outcome, Span, bisect
from perfwaterfall.history.sessions import SessionSettings, measure_session
from perfwaterfall.measure.run import Observer


@dataclass(frozen=True)
class Probe:
    """One probed commit: its outcome and the figures behind it."""

    commit: Commit
    outcome: Outcome
    vs_good: Change | None = None  # GOOD -> probe
    vs_bad: Change | None = None  # probe -> BAD
    rounds: int = 0
    message: str = ""


class ProbeObserver(Protocol):
    """Told each probe's outcome as soon as it is decided."""

    def probed(self, probe: Probe, step: int) -> None: ...


@dataclass
class Bisection:
    settings: SessionSettings
    cache: MeasurementCache
    policy: RoundsPolicy
    good: Commit
    bad: Commit
    commits: list[Commit]  # after GOOD, up to and including BAD
    quantity: Quantity
    observer: ProbeObserver
    progress: Observer | None = None
    probes: list[Probe] = field(default_factory=list)

    def run(self) -> Span:
        return bisect(len(self.commits), self._probe_index)

    def _probe_index(self, index: int) -> Outcome:
        commit = self.commits[index]
        step = len(self.probes) + 1
        probe = self.probe(commit)
        self.probes.append(probe)
        self.observer.probed(probe, step)
        return probe.outcome

    def probe(self, commit: Commit) -> Probe:
        """Judge ``commit`` against both endpoints, adding rounds while it is undecided."""
        scenario = self.quantity.scenario
        levels = probe_levels(len(self.commits), self.policy.looks)
        while True:
            entry = self.cache.get(commit.sha)
            if entry.failure is not None:
                return Probe(commit, Outcome.FAILED, message=entry.failure)
            good = self.cache.get(self.good.sha).rounds.get(scenario, [])
            mine = entry.rounds.get(scenario, [])
            bad = self.cache.get(self.bad.sha).rounds.get(scenario, [])
            pairs = [paired_rounds(good, mine), paired_rounds(mine, bad)]
            rounds = min(len(p[0]) for p in pairs)
            vs_good = vs_bad = outcome = None
            if rounds >= self.policy.minimum:
                vs_good, vs_bad = (self._judge(pair, levels) for pair in pairs)
                outcome = decide(vs_good, vs_bad)
            more = more_rounds(rounds, outcome, self.policy)
            if more == 0:
                return Probe(commit, outcome or Outcome.SKIPPED, vs_good, vs_bad, rounds)
            failed = measure_session(
                self.settings,
                self.cache,
                [self.good.sha, commit.sha, self.bad.sha],
                scenarios=[scenario],
                policy=RoundsPolicy.fixed(more),
                required=[self.good.sha, self.bad.sha],
                observer=self.progress,
            )
            if commit.sha in failed:
                return Probe(commit, Outcome.FAILED, message=failed[commit.sha])

    def _judge(self, pair: Pair, levels: ProbeLevels) -> Change | None:
        """The followed quantity, base against head, at the probe's levels; None when a
        side does not have it."""
        base, head = (self.quantity.per_round(side) for side in pair)
        if not base or not head:
            return None
        threshold, floor = self.quantity.margin(pair[0], self.settings.threshold_pct)
        return judge_rounds(base, head, levels=levels, threshold_pct=threshold, floor=floor)


def endpoints(
    settings: SessionSettings,
    cache: MeasurementCache,
    good: Commit,
    bad: Commit,
    *,
    scenarios: Sequence[str],
    policy: RoundsPolicy,
    progress: Observer | None = None,
) -> list[ScenarioComparison]:
    """GOOD against BAD for every scenario asked for (all the harness lists by default)."""
    names = _endpoint_scenarios(cache, good, bad, scenarios, policy.minimum)
    if names is None:
        measure_session(
            settings,
            cache,
            [good.sha, bad.sha],
            scenarios=scenarios,
            policy=policy,
            required=[good.sha, bad.sha],
            observer=progress,
        )
        names = _endpoint_scenarios(cache, good, bad, scenarios, 1)
        if names is None:
            raise UsageError("GOOD and BAD measured no scenario in common")
    pairs = [
        paired_rounds(cache.get(good.sha).rounds[n], cache.get(bad.sha).rounds[n]) for n in names
    ]
    return judge_pairs(pairs, threshold_pct=settings.threshold_pct, looks=policy.looks)


def _endpoint_scenarios(
    cache: MeasurementCache,
    good: Commit,
    bad: Commit,
    scenarios: Sequence[str],
    rounds: int,
) -> list[str] | None:
    """The scenarios to compare if the cache has ``rounds`` pairs of each, else None."""
    g, b = cache.get(good.sha), cache.get(bad.sha)
    names = list(scenarios) or list(b.listed)
    if not names:
        return None
    for name in names:
        left, _ = paired_rounds(g.rounds.get(name, []), b.rounds.get(name, []))
        if len(left) < rounds:
            return None
    return names
