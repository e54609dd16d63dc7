"""Whole bisect searches on synthetic per-round values, judged by the tool's own rule.

Each search draws its culprit at random among the commits after GOOD (the last is BAD).
A commit's value in a round is ``BASE_MS`` x (1 + step, from the culprit on) x a
log-normal factor with the given per-round sd, drawn afresh for every round of every
commit. Each probe gets fresh rounds of GOOD, itself and BAD, as a session does; the
levels, the decision and the rounds added while undecided are probe_rule.py's, and the
search is search.py's: only the measuring is made up.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Change
from perfwaterfall.cli.options import DEFAULT_THRESHOLD_PCT
from perfwaterfall.history import probe_rule
from perfwaterfall.history.search import Outcome, bisect

BASE_MS = 20.0
Decide = Callable[[Change | None, Change | None], Outcome | None]


@dataclass
class Figures:
    """Counts over searches: how often the culprit was named alone, how often missed."""

    searches: int = 0
    alone: int = 0  # the culprit, and only it, named
    wrong: int = 0  # the answer (a commit or a range) does not hold the culprit
    wrong_alone: int = 0  # another commit named alone
    hold_every_step: int = 0  # answers holding every step (all there is to name)
    probes: int = 0
    left: int = 0  # commits in the answers
    rounds: int = 0  # rounds per side over all probes
    by_outcome: dict[Outcome, int] = field(default_factory=dict)

    def rate(self, count: int) -> float:
        return count / self.searches

    def summary(self) -> str:
        n = self.searches
        return (
            f"{n} searches: culprit named alone {self.alone / n:.1%}, "
            f"a wrong commit named {self.wrong_alone / n:.1%} "
            f"(answer without the culprit {self.wrong / n:.1%}); "
            f"mean probes {self.probes / n:.2f}, mean commits left {self.left / n:.2f}, "
            f"mean rounds per probe {self.rounds / max(1, self.probes):.1f}"
        )


def simulate(
    searches: int,
    *,
    seed: int,
    commits: int = 16,
    sd: float = 0.03,
    step: float = 0.10,
    policy: RoundsPolicy | None = None,
    threshold_pct: float = DEFAULT_THRESHOLD_PCT,
    decide: Decide = probe_rule.decide,
    culprit: int | None = None,
    broken: frozenset[int] = frozenset(),
    later_steps: Sequence[tuple[int, float]] = (),
) -> Figures:
    """``searches`` seeded searches over ``commits`` commits with a ``step`` regression at
    ``culprit`` (an index; random by default); ``broken`` indices fail when probed;
    ``later_steps`` adds (index, step) regressions after the culprit (a step at a time)."""
    policy = policy or RoundsPolicy.auto(probe_rule.MAXIMUM_ROUNDS)
    levels = probe_rule.probe_levels(commits, policy.looks)
    rng = random.Random(seed)
    figures = Figures()
    for _ in range(searches):
        first_slow = rng.randrange(commits) if culprit is None else culprit

        def value(index: int, first_slow: int = first_slow) -> float:
            """One round of commit ``index`` (-1 is GOOD)."""
            slow = 1.0 + step if index >= first_slow else 1.0
            for at, more in later_steps:
                slow *= 1.0 + more if index >= at else 1.0
            return BASE_MS * slow * math.exp(rng.gauss(0.0, sd))

        def probe(index: int) -> Outcome:
            if index in broken:
                figures.probes += 1
                return Outcome.FAILED
            good: list[float] = []
            mine: list[float] = []
            bad: list[float] = []
            outcome: Outcome | None = None
            while more := probe_rule.more_rounds(len(mine), outcome, policy):
                for _ in range(more):
                    good.append(value(-1))
                    mine.append(value(index))
                    bad.append(value(commits - 1))
                if len(mine) >= policy.minimum:
                    outcome = decide(
                        probe_rule.judge_rounds(
                            good, mine, levels=levels, threshold_pct=threshold_pct
                        ),
                        probe_rule.judge_rounds(
                            mine, bad, levels=levels, threshold_pct=threshold_pct
                        ),
                    )
            figures.probes += 1
            figures.rounds += len(mine)
            final = outcome or Outcome.SKIPPED
            figures.by_outcome[final] = figures.by_outcome.get(final, 0) + 1
            return final

        span = bisect(commits, probe)
        figures.searches += 1
        figures.left += span.last - span.first + 1
        figures.alone += span.single and span.first == first_slow
        figures.wrong += not span.first <= first_slow <= span.last
        figures.wrong_alone += span.single and span.first != first_slow
        last_step = max([first_slow, *(at for at, _ in later_steps)])
        figures.hold_every_step += span.first <= first_slow and last_step <= span.last
    return figures
