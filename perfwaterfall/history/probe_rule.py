"""When a bisect probe is good or bad, and at what level its verdicts are read.

The rule is symmetric, so a good commit is as easy to recognise as a bad one:

- *bad* when the probe is slower than GOOD, and has not also left BAD;
- *good* when BAD is slower than the probe, and the probe has not also left GOOD;
- anything else is undecided: more rounds, then a skip.

A probe *has left* an end when it is slower than that end at a lenient, uncorrected
level (GUARD_ALPHA) by at least half of what remains to the other end: it lies in the
middle third of the change or beyond. That is a commit between two steps (20 -> 20.3
-> 20.6 ms): slower than GOOD and faster than BAD, it belongs with neither, and
calling it either names a commit where nothing changed. A probe a little off one end
(an unrelated 0.3% when the regression is 10%) still goes with that end. The guard
only withholds a call, so it cannot add a wrong one; a truly good or bad probe trips
it only when noise puts it a third of the way across, which costs little power.

Calling a good probe good only when it is *same* as GOOD (the rule before) asks for
the hardest verdict there is: at a per-round sd of 3% a good probe reached it about
once in a hundred, and searches ended in ranges. Detecting that BAD is slower than
the probe is always easier than showing the probe within the threshold of GOOD, so
"same" is not read at all.

"Slower" is compare's: the detection interval above zero, unless the change is shown
within the threshold. It does not have to exceed the threshold: that would cost power
on every real regression, and the guard already refuses commits between small steps.

The levels count only what a probe reads: one quantity, two verdicts (probe slower
than GOOD, BAD slower than the probe), not every stage of both comparisons. A wrong
commit is named only if some probe reads a wrong verdict, so the search's budget,
SEARCH_ALPHA, is split (Bonferroni) over those two verdicts, over the probes a search
of this length needs without skips (ceil(log2 n)) and over every look more rounds may
take: stopping a probe as soon as it is decided cannot raise the chance of a wrong
call, as for adaptive rounds in ``compare``. Each verdict is one-sided; the intervals
behind them are two-sided at twice that level.
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
READS = 2  # verdicts a probe acts on: slower than GOOD, BAD slower than it
MAXIMUM_ROUNDS = 17  # bisect's default --max-rounds: enough to decide at 5% round noise
GUARD_ALPHA = 0.10  # two-sided p of "the probe has moved off this end", uncorrected: lenient
LEFT_SHARE = 0.5  # moved off by half of what remains to the other end: the middle third


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
    """Bad when slower than GOOD and not off BAD; good when BAD is slower than it and it is
    not off GOOD; else None (undecided). The two cannot both hold: each needs the probe
    nearer its own end than the other."""
    if vs_good is None or vs_bad is None:
        return None
    if vs_good.verdict is Verdict.SLOWER and not has_left(vs_bad, vs_good):
        return Outcome.BAD
    if vs_bad.verdict is Verdict.SLOWER and not has_left(vs_good, vs_bad):
        return Outcome.GOOD
    return None


def has_left(end: Change, other: Change) -> bool:
    """Whether the probe has left the end ``end`` compares it with, toward ``other``'s end:
    slower than it at GUARD_ALPHA, uncorrected, by at least LEFT_SHARE of the change
    ``other`` still sees. Without an interval, only a slower verdict counts."""
    found = end.detection
    if found is None:
        return end.verdict is Verdict.SLOWER
    if found.estimate_pct <= 0 or found.p_value >= GUARD_ALPHA:
        return False
    return found.estimate_pct >= LEFT_SHARE * other.percent


def more_rounds(rounds: int, outcome: Outcome | None, policy: RoundsPolicy) -> int:
    """Rounds to add before the next look at a probe; 0 when it is done (decided or out of
    rounds, which makes it a skip)."""
    if rounds < policy.minimum:
        return policy.minimum - rounds
    if outcome is not None or rounds >= policy.maximum:
        return 0
    return min(policy.batch, policy.maximum - rounds)
