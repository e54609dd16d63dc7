"""Statistics on per-round values: medians, confidence intervals, significance.

Rounds are the independent samples (one harness process each); frames within a
round are not independent (they share a process, caches and a scheduler state),
so every test here runs on one value per round, as benchstat does.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """The median of one side's per-round values with a distribution-free CI."""

    median: float
    low: float
    high: float
    samples: tuple[float, ...]

    @property
    def spread(self) -> float:
        """(max - min) / median: how much the rounds disagree."""
        if self.median <= 0:
            return 0.0
        return (max(self.samples) - min(self.samples)) / self.median


@dataclass(frozen=True)
class Change:
    """One quantity before and after, and whether the difference is real."""

    base: Estimate
    head: Estimate
    p_value: float
    significant: bool

    @property
    def delta(self) -> float:
        return self.head.median - self.base.median

    @property
    def ratio(self) -> float:
        """head / base; 1.0 when both are zero, inf when only base is."""
        if self.base.median == 0:
            return 1.0 if self.head.median == 0 else math.inf
        return self.head.median / self.base.median

    @property
    def percent(self) -> float:
        return (self.ratio - 1.0) * 100.0


def estimate(samples: Sequence[float]) -> Estimate:
    """Median and a ~95% CI from order statistics (no normality assumed).

    With fewer than six samples no pair of order statistics reaches 95%
    coverage; the interval is then the full range, the widest honest answer.
    """
    if not samples:
        raise ValueError("estimate() needs at least one sample")
    ordered = sorted(samples)
    n = len(ordered)
    lo_index, hi_index = _median_ci_ranks(n)
    return Estimate(
        median=statistics.median(ordered),
        low=ordered[lo_index],
        high=ordered[hi_index],
        samples=tuple(samples),
    )


def _median_ci_ranks(n: int) -> tuple[int, int]:
    """0-based ranks of [x(k), x(n-k+1)]: the narrowest with >= 95% coverage.

    Coverage of that interval is 1 - 2 P(Bin(n, 1/2) <= k-1); k = 1 (the full
    range) is the fallback when even it falls short.
    """
    from scipy.stats import binom  # imported here: scipy.stats alone takes 0.8 s

    k = 1
    while k + 1 <= (n + 1) // 2 and 1.0 - 2.0 * float(binom.cdf(k, n, 0.5)) >= CONFIDENCE:
        k += 1
    return k - 1, n - k


def mann_whitney_p(base: Sequence[float], head: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value; 1.0 when the test cannot say anything."""
    if len(base) < 1 or len(head) < 1:
        return 1.0
    if len(set(base)) == 1 and set(base) == set(head):
        return 1.0  # identical constant samples: scipy warns and returns nan
    from scipy.stats import mannwhitneyu

    result = mannwhitneyu(base, head, alternative="two-sided", method="auto")
    p = float(result.pvalue)
    return 1.0 if math.isnan(p) else p


def min_reachable_p(n_base: int, n_head: int) -> float:
    """The smallest two-sided exact p a Mann-Whitney test can give at these sizes."""
    if n_base < 1 or n_head < 1:
        return 1.0
    return min(1.0, 2.0 / math.comb(n_base + n_head, n_base))


def rounds_needed(alpha: float = ALPHA) -> int:
    """Rounds per side for a complete separation to reach p < alpha."""
    n = 1
    while min_reachable_p(n, n) >= alpha:
        n += 1
    return n


def compare_samples(
    base: Sequence[float],
    head: Sequence[float],
    *,
    threshold_pct: float,
    min_effect: float = 0.0,
) -> Change:
    """A change is significant only if p < ALPHA *and* it is big enough to matter.

    ``threshold_pct`` is relative to the base median; ``min_effect`` is an absolute
    floor in the samples' unit, for quantities near zero whose relative change is
    meaningless (a 0.01 ms stage that "doubles").
    """
    b, h = estimate(base), estimate(head)
    p = mann_whitney_p(base, head)
    size = abs(h.median - b.median)
    big_enough = size >= min_effect and (b.median == 0 or size / b.median * 100.0 >= threshold_pct)
    return Change(base=b, head=h, p_value=p, significant=p < ALPHA and big_enough)


def geometric_mean(values: Sequence[float]) -> float | None:
    """Geometric mean of positive finite values, None if there are none."""
    usable = [v for v in values if v > 0 and math.isfinite(v)]
    if not usable:
        return None
    return math.exp(sum(math.log(v) for v in usable) / len(usable))
