"""Which rounds of two commits are compared, and how they are judged.

Rounds measured in the same session were interleaved (A B B A), so round i of one
commit ran next to round i of the other: those are the pairs. Commits that never
shared a session (from different runs, or a seed) are paired in order, cut to the
shorter side: still a comparison, without the protection interleaving gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfwaterfall.analysis.comparison import ScenarioComparison, compare_family
from perfwaterfall.history.cache import TaggedRound
from perfwaterfall.protocol.document import RoundResult

Pair = tuple[list[RoundResult], list[RoundResult]]


def paired_rounds(a: Sequence[TaggedRound], b: Sequence[TaggedRound]) -> Pair:
    """Rounds of the sessions both were measured in, matched in order; else all, in order."""
    shared = [s for s in dict.fromkeys(t.session for t in a) if s in {t.session for t in b}]
    if not shared:
        n = min(len(a), len(b))
        return [t.result for t in a[:n]], [t.result for t in b[:n]]
    left: list[RoundResult] = []
    right: list[RoundResult] = []
    for session in shared:
        mine = [t.result for t in a if t.session == session]
        theirs = [t.result for t in b if t.session == session]
        n = min(len(mine), len(theirs))
        left += mine[:n]
        right += theirs[:n]
    return left, right


def shares_session(a: Sequence[TaggedRound], b: Sequence[TaggedRound]) -> bool:
    return bool({t.session for t in a} & {t.session for t in b})


def judge_pairs(
    pairs: Sequence[Pair], *, threshold_pct: float, looks: int
) -> list[ScenarioComparison]:
    """Every pair (base, head) judged as one family, so more pairs mean stricter levels."""
    usable = [p for p in pairs if p[0] and p[1]]
    if len(usable) != len(pairs):
        raise ValueError("every pair needs rounds on both sides")
    comparison = compare_family(usable, threshold_pct=threshold_pct, looks=looks)
    return list(comparison.scenarios)
