"""Change points in a series of commits: where the level stepped, by how much, how sure.

Adjacent comparisons see only the few rounds of two commits, so at 5 pairs a step must
be about 20% to be found. A step stays in every later commit, though: splitting the
whole series in two compares all points before with all points after, and a +5% step
over 20 commits stands out.

The test is a max-t split with binary segmentation. Each point's value is the mean of
its rounds: the median of 5 rounds is noisier, and it put a +5% step at its row in 83%
of simulations against the mean's 91% (tests/unit/test_changepoint.py); a wild round
makes a wild point, which the rule below handles. For every split position ``k`` of a
segment (``min_segment`` points at least on each side) the two sides are compared with
the pooled two-sample t on the points' values, ``df = points - 2``: the commit, not
the round, is the unit, so drift between sessions counts as noise and is not mistaken
for a step. The largest ``|t|`` over positions is compared with a *family* level, as it
is the maximum of ``m`` correlated statistics: a Bonferroni bound over the positions,
the t quantile at ``1 - alpha / (2 m)``. Bonferroni holds whatever the correlation
between neighbouring splits, with no assumption and no random draw, so the same series
always gives the same answer. It is conservative (neighbouring splits are nearly the
same test: a flat series of 20 shows a change point in 0.6% of simulations at alpha 5%),
which costs power mostly for steps within three points of either end; a permutation
test would be exact, but it needs thousands of recomputations per segment, a seed,
and its answer would wobble when a point is added. A found split is then searched
again on each side, at the same level, until no segment splits.

One noisy point must not make a change point: a split is kept only if its ``|t|``
still reaches the family level (at ``df = points - 3``) with any one point left out.
Without that, one wild commit at either end would be a two-point "segment".

The step's interval is the t interval (at ``1 - alpha``) of the difference between the
means of the two segments around it, as a percentage of the level before (the median of
the segment before). Pure: standard library and ``tdist`` only.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.tdist import t_quantile


@dataclass(frozen=True)
class ChangePoint:
    index: int  # position in the series of the first point after the step
    before_ms: float  # level before the step (median of the segment's values)
    after_ms: float  # level after
    low_pct: float  # interval of the step, % of before_ms
    high_pct: float

    @property
    def percent(self) -> float:
        """The step's size, % of the level before."""
        return _percent_of(self.after_ms - self.before_ms, self.before_ms)


def change_points(
    series: Sequence[Sequence[float]], *, alpha: float = 0.05, min_segment: int = 2
) -> list[ChangePoint]:
    """The steps of ``series`` (each point's round values, oldest first), oldest first.

    A point without values (a failed commit) is left out; indices still count it.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if min_segment < 1:
        raise ValueError(f"min_segment must be at least 1, got {min_segment}")
    where = [i for i, values in enumerate(series) if len(values) > 0]
    levels = [statistics.fmean(series[i]) for i in where]
    cuts = sorted(_segment(levels, 0, len(levels), alpha, min_segment))
    bounds = [0, *cuts, len(levels)]
    found = []
    for before_start, cut, after_end in zip(bounds, bounds[1:], bounds[2:], strict=False):
        before, after = levels[before_start:cut], levels[cut:after_end]
        level = statistics.median(before)
        low, high = step_interval(before, after, alpha)
        found.append(
            ChangePoint(
                index=where[cut],
                before_ms=level,
                after_ms=statistics.median(after),
                low_pct=_percent_of(low, level),
                high_pct=_percent_of(high, level),
            )
        )
    return found


def _percent_of(delta: float, level: float) -> float:
    """``delta`` as % of ``level``; a step from nothing is infinite (shown as 'new')."""
    if level > 0:
        return 100 * delta / level
    return 0.0 if delta == 0 else math.copysign(math.inf, delta)


def family_level(points: int, alpha: float, min_segment: int, *, left_out: int = 0) -> float:
    """The |t| a segment's best split must reach: Bonferroni over its split positions,
    with ``left_out`` points set aside (degrees of freedom ``points - left_out - 2``)."""
    positions = points - 2 * min_segment + 1
    return t_quantile(1 - alpha / (2 * positions), points - left_out - 2)


def split_t(values: Sequence[float], k: int) -> float:
    """The pooled two-sample t of ``values[k:]`` against ``values[:k]`` (after minus before)."""
    return _t(_Sums.of(values[:k]), _Sums.of(values[k:]))


def step_interval(
    before: Sequence[float], after: Sequence[float], alpha: float
) -> tuple[float, float]:
    """The 1 - alpha t interval of mean(after) - mean(before), pooled variance."""
    left, right = _Sums.of(before), _Sums.of(after)
    delta = right.mean - left.mean
    df = left.n + right.n - 2
    if df < 1:
        return -math.inf, math.inf
    scale = math.sqrt((left.ss + right.ss) / df * (1 / left.n + 1 / right.n))
    half = t_quantile(1 - alpha / 2, df) * scale
    return delta - half, delta + half


def _segment(levels: list[float], lo: int, hi: int, alpha: float, min_segment: int) -> list[int]:
    """The cuts inside ``levels[lo:hi]``: its best split that holds, then each side's."""
    cut = _best_split(levels[lo:hi], alpha, min_segment)
    if cut is None:
        return []
    cut += lo
    return [
        *_segment(levels, lo, cut, alpha, min_segment),
        cut,
        *_segment(levels, cut, hi, alpha, min_segment),
    ]


def _best_split(values: list[float], alpha: float, min_segment: int) -> int | None:
    """The split with the largest |t| among those that reach the family level with
    every point in and with any one point out; None when none does."""
    n = len(values)
    if n - 3 < 1 or n < 2 * min_segment:
        return None
    level = family_level(n, alpha, min_segment)
    robust_level = family_level(n, alpha, min_segment, left_out=1)
    candidates = []
    left, right = _Sums(), _Sums.of(values)
    for k in range(1, n - min_segment + 1):
        left, right = left.add(values[k - 1]), right.remove(values[k - 1])
        if k >= min_segment:
            t = abs(_t(left, right))
            if t >= level:
                candidates.append((t, k))
    for _, k in sorted(candidates, reverse=True):
        if _holds_without_any_one(values, k, robust_level):
            return k
    return None


def _holds_without_any_one(values: list[float], k: int, level: float) -> bool:
    left, right = _Sums.of(values[:k]), _Sums.of(values[k:])
    for i, value in enumerate(values):
        fewer = (left.remove(value), right) if i < k else (left, right.remove(value))
        if abs(_t(*fewer)) < level:
            return False
    return True


@dataclass(frozen=True)
class _Sums:
    """Count, mean and sum of squared deviations, updated one value at a time (Welford,
    which stays exact where sums of squares of 20 ms values would cancel)."""

    n: int = 0
    mean: float = 0.0
    ss: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> _Sums:
        sums = cls()
        for value in values:
            sums = sums.add(value)
        return sums

    def add(self, value: float) -> _Sums:
        n = self.n + 1
        mean = self.mean + (value - self.mean) / n
        return _Sums(n, mean, self.ss + (value - self.mean) * (value - mean))

    def remove(self, value: float) -> _Sums:
        n = self.n - 1
        if n == 0:
            return _Sums()
        mean = (self.n * self.mean - value) / n
        return _Sums(n, mean, max(0.0, self.ss - (value - mean) * (value - self.mean)))


def _t(left: _Sums, right: _Sums) -> float:
    """Pooled two-sample t of right against left; ±inf for a step with no noise at all."""
    df = left.n + right.n - 2
    if left.n == 0 or right.n == 0 or df < 1:
        return 0.0
    delta = right.mean - left.mean
    variance = (left.ss + right.ss) / df
    scale = max(abs(left.mean), abs(right.mean))
    if variance <= (1e-12 * scale) ** 2:  # no noise: a step is certain, rounding is not one
        return 0.0 if abs(delta) <= 1e-9 * scale else math.copysign(math.inf, delta)
    return delta / math.sqrt(variance * (1 / left.n + 1 / right.n))
