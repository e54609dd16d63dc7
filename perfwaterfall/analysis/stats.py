"""What the statistics produce: per-side medians with their interval, and per-quantity changes.

Rounds are the samples (one harness process each); frames within a round share a
process, caches and a scheduler state, so they are reduced to one value per round
first, as benchstat does. Whether two sides differ is ``paired.py``'s question.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from perfwaterfall.analysis.paired import RelativeChange

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """The median of one side's per-round values with a distribution-free interval."""

    median: float
    low: float
    high: float
    level: float  # the interval's actual coverage: with few rounds below CONFIDENCE
    samples: tuple[float, ...]

    @property
    def spread(self) -> float:
        """(max - min) / median: how much the rounds disagree."""
        if self.median <= 0:
            return 0.0
        return (max(self.samples) - min(self.samples)) / self.median


class Verdict(StrEnum):
    FASTER = "faster"
    SLOWER = "slower"
    SAME = "same"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Change:
    """One quantity before and after, with its verdict and the intervals behind it."""

    base: Estimate
    head: Estimate
    verdict: Verdict
    detection: RelativeChange | None  # interval for faster/slower
    equivalence: RelativeChange | None  # interval for same
    margin_pct: float

    @property
    def significant(self) -> bool:
        """A real change: faster or slower."""
        return self.verdict in (Verdict.FASTER, Verdict.SLOWER)

    @property
    def delta(self) -> float:
        return self.head.median - self.base.median

    @property
    def percent(self) -> float:
        """The paired estimate of the change; from the medians when there are no pairs."""
        if self.detection is not None:
            return self.detection.estimate_pct
        if self.base.median == 0:
            return 0.0 if self.head.median == 0 else math.inf
        return (self.head.median / self.base.median - 1.0) * 100.0

    @property
    def ratio(self) -> float:
        return 1.0 + self.percent / 100.0

    @property
    def p_value(self) -> float:
        return 1.0 if self.detection is None else self.detection.p_value

    @property
    def shown(self) -> RelativeChange | None:
        """The interval that stands behind the verdict."""
        return self.equivalence if self.verdict is Verdict.SAME else self.detection


def estimate(samples: Sequence[float]) -> Estimate:
    """Median and its CI from order statistics (no normality assumed).

    The interval is the narrowest [x(k), x(n-k+1)] covering at least CONFIDENCE; with
    fewer than six samples none does, and it is the full range, whose coverage
    (93.75% at five rounds) is stated in ``level``.
    """
    if not samples:
        raise ValueError("estimate() needs at least one sample")
    ordered = sorted(samples)
    n = len(ordered)
    k = _median_ci_rank(n)
    return Estimate(
        median=statistics.median(ordered),
        low=ordered[k - 1],
        high=ordered[n - k],
        level=_coverage(n, k),
        samples=tuple(samples),
    )


def _coverage(n: int, k: int) -> float:
    """Coverage of [x(k), x(n-k+1)] for the median: 1 - 2 P(Bin(n, 1/2) <= k - 1)."""
    if n == 1:
        return 0.0
    tail = sum(math.comb(n, i) for i in range(k)) / 2**n
    return max(0.0, 1.0 - 2.0 * tail)


def _median_ci_rank(n: int) -> int:
    """The largest k whose interval still covers CONFIDENCE; 1 (the full range) if none."""
    k = 1
    while k + 1 <= (n + 1) // 2 and _coverage(n, k + 1) >= CONFIDENCE:
        k += 1
    return k


def geometric_mean(values: Sequence[float]) -> float | None:
    """Geometric mean of positive finite values, None if there are none."""
    usable = [v for v in values if v > 0 and math.isfinite(v)]
    if not usable:
        return None
    return math.exp(sum(math.log(v) for v in usable) / len(usable))
