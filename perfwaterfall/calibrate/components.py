"""Where a pipeline's noise comes from, and how sure a count of A/A compares can be.

The frame time's round-to-round spread is what the verdicts fight. It has a part that
more frames per round would shrink (frame-to-frame jitter, through the round's median)
and a part they would not (each round's process: start-up, placement, the host's state
that minute). Pairing cancels only what both rounds of a pair shared. Kalibera and
Jones (2013) choose frames per round from exactly these components, so calibrate
prints them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.tdist import incomplete_beta
from perfwaterfall.protocol.document import RoundResult

# The standard error of a median of n normal values is about sqrt(pi / 2) sd / sqrt(n).
_MEDIAN_SE = math.sqrt(math.pi / 2)
# What starting a round costs before its first frame (interpreters and imports of every
# stage process), as measured for issue 21 on this project's 2-vCPU machine.
ROUND_START_S = 0.6


@dataclass(frozen=True)
class Components:
    """One pipeline's frame-time noise in one compare, each as a percent sd."""

    frame_pct: float  # frame to frame within a round
    round_pct: float  # of round medians, each side on its own (pooled)
    within_pct: float  # the part of round_pct that frame-to-frame jitter explains
    between_pct: float  # the rest: each round's process and the host that minute
    paired_pct: float  # of one pair's log ratio over sqrt(2): what pairing leaves per side
    frame_ms: float = 0.0  # the median frame time: what one more frame costs
    frames: int = 0  # frames per round these rounds measured

    def best_frames(self, round_start_s: float = ROUND_START_S) -> int | None:
        """Frames per round that make the round median's variance cheapest to shrink
        (Kalibera and Jones 2013: n = sqrt(c_round var_within / (c_frame var_between)),
        var_within the per-frame share of the median's variance); None when the rounds
        did not vary between themselves, where only more frames help."""
        if self.between_pct <= 0 or self.frame_ms <= 0:
            return None
        per_frame_var = (_MEDIAN_SE * self.frame_pct) ** 2
        cost_ratio = round_start_s * 1000 / self.frame_ms
        return max(1, round(math.sqrt(cost_ratio * per_frame_var / self.between_pct**2)))


def components(base: Sequence[RoundResult], head: Sequence[RoundResult]) -> Components | None:
    """The components from one compare's rounds of one pipeline; None with too few."""
    sides = [[_frame_sums(r) for r in side] for side in (base, head)]
    if min(len(side) for side in sides) < 2:
        return None
    medians = [[statistics.median(f) for f in side] for side in sides]
    if any(m <= 0 for side in medians for m in side):
        return None
    jitter = [statistics.stdev(f) / statistics.median(f) for side in sides for f in side]
    frame = statistics.median(jitter) if all(len(f) >= 2 for s in sides for f in s) else 0.0
    frames = statistics.median(len(f) for side in sides for f in side)
    rounds = math.sqrt(statistics.fmean(statistics.variance(_logs(m)) for m in medians))
    within = _MEDIAN_SE * frame / math.sqrt(frames)
    ratios = [math.log(h / b) for b, h in zip(medians[0], medians[1], strict=False)]
    return Components(
        frame_pct=frame * 100,
        round_pct=rounds * 100,
        within_pct=min(within, rounds) * 100,
        between_pct=math.sqrt(max(0.0, rounds**2 - within**2)) * 100,
        paired_pct=statistics.stdev(ratios) / math.sqrt(2) * 100,
        frame_ms=statistics.median(m for side in medians for m in side),
        frames=int(frames),
    )


def clopper_pearson_upper(hits: int, total: int, confidence: float = 0.95) -> float:
    """The one-sided upper confidence bound of a binomial rate (exact, Clopper-Pearson):
    0 of 10 is consistent with a true rate up to 26% at 95%."""
    if total <= 0:
        return 1.0
    if hits >= total:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(100):  # P(X <= hits | p) = 1 - I_p(hits + 1, total - hits) falls in p
        middle = (low + high) / 2
        if 1 - incomplete_beta(hits + 1, total - hits, middle) > 1 - confidence:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _frame_sums(result: RoundResult) -> list[float]:
    return [sum(row) for row in result.samples_ms]


def _logs(values: Sequence[float]) -> list[float]:
    return [math.log(v) for v in values]
