"""When a bisect probe is good or bad, and at what level its verdicts are read.

The rule is symmetric, so a good commit is as easy to recognise as a bad one:

- *bad* when the probe is slower than GOOD;
- *good* when BAD is slower than the probe, or the probe is the same as GOOD within
  the threshold;
- anything else is undecided: more rounds, then a skip.

Calling a good probe good only when it is *same* as GOOD (the rule before) asks for
the hardest verdict there is: at a per-round sd of 3% a good probe reached it about
once in a hundred, and searches ended in ranges.

The levels count only what a probe reads: one quantity, three verdicts (probe slower
than GOOD, BAD slower than the probe, probe same as GOOD), not every stage of both
comparisons. A wrong commit is named only if some probe reads a wrong verdict, so the
search's budget, SEARCH_ALPHA, is split (Bonferroni) over those three verdicts, over
the probes a search of this length needs without skips (ceil(log2 n)) and over every
look more rounds may take: stopping a probe as soon as it is decided cannot raise the
chance of a wrong call, as for adaptive rounds in ``compare``. Each verdict is
one-sided; the intervals behind them are two-sided at twice that level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.analysis.verdict import judge
from perfwaterfall.history.search import Outcome

SEARCH_ALPHA = 0.01  # chance that a search without skips names a commit that is not the one
READS = 3  # verdicts a probe acts on: slower than GOOD, BAD slower than it, same as GOOD
MAXIMUM_ROUNDS = 17  # bisect's default --max-rounds: enough to decide at 5% round noise


@dataclass(frozen=True)
class ProbeLevels:
    """Two-sided levels of the intervals behind a probe's verdicts, per look."""

    detection_alpha: float
    equivalence_alpha: float


def planned_probes(commits: int) -> int:
    """Probes a search over ``commits`` (the last one known bad) needs when nothing is skipped."""
    return max(1, math.ceil(math.log2(max(1, commits))))


def probe_levels(commits: int, looks: int) -> ProbeLevels:
    """Each read verdict's one-sided share of SEARCH_ALPHA (two-sided intervals: twice it)."""
    one_sided = SEARCH_ALPHA / (READS * planned_probes(commits) * max(1, looks))
    return ProbeLevels(detection_alpha=2 * one_sided, equivalence_alpha=2 * one_sided)


def judge_rounds(
    base: Sequence[float],
    head: Sequence[float],
    *,
    levels: ProbeLevels,
    threshold_pct: float,
    floor: float = 0.0,
) -> Change:
    """One comparison of a probe (GOOD -> probe, or probe -> BAD) on per-round values."""
    return judge(
        base,
        head,
        detection_alpha=levels.detection_alpha,
        equivalence_alpha=levels.equivalence_alpha,
        threshold_pct=threshold_pct,
        floor=floor,
    )


def decide(vs_good: Change | None, vs_bad: Change | None) -> Outcome | None:
    """Bad when slower than GOOD; good when BAD is slower than it or it is same as GOOD;
    else None (undecided). A probe slower than GOOD is bad even if BAD is slower still:
    the first regression is at or before it."""
    if vs_good is not None and vs_good.verdict is Verdict.SLOWER:
        return Outcome.BAD
    if vs_bad is not None and vs_bad.verdict is Verdict.SLOWER:
        return Outcome.GOOD
    if vs_good is not None and vs_good.verdict is Verdict.SAME:
        return Outcome.GOOD
    return None


def more_rounds(rounds: int, outcome: Outcome | None, policy: RoundsPolicy) -> int:
    """Rounds to add before the next look at a probe; 0 when it is done (decided or out of
    rounds, which makes it a skip)."""
    if rounds < policy.minimum:
        return policy.minimum - rounds
    if outcome is not None or rounds >= policy.maximum:
        return 0
    return min(policy.batch, policy.maximum - rounds)
