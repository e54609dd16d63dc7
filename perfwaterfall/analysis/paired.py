"""The relative change of head against base from rounds paired in time.

The plan runs base and head back to back (A B B A ...), so the i-th round of each
side shared the host's state: a slow minute slows both. Each pair gives one log
ratio ln(head / base); their mean and a Student-t interval say how much head
changed, with the drift that both rounds of a pair shared cancelled out. Rounds,
not frames, are the samples: frames of one round share a process and a scheduler.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from perfwaterfall.analysis.moderation import NONE, Prior
from perfwaterfall.analysis.power import detectable_noncentrality, median_unbiased_sd
from perfwaterfall.analysis.tdist import t_cdf, t_quantile

# The power at which ``detectable_pct`` is quoted: a change that large is found 4 times in 5.
POWER = 0.8


@dataclass(frozen=True)
class RelativeChange:
    """head / base - 1, in percent, with its confidence interval at ``level``."""

    estimate_pct: float
    low_pct: float
    high_pct: float
    level: float
    pairs: int
    p_value: float  # two-sided, of "no change", before any family correction
    df: float  # of the t behind the interval: pairs - 1, plus the family's d0
    se: float  # the standard error of the mean change, on the scale of ``to_pct``
    to_pct: Callable[[float], float] = field(repr=False, compare=False)

    @cached_property
    def detectable_pct(self) -> float:
        """The smallest change this design finds with POWER: the noncentral t at this
        interval's level and df, with the sd taken at its median-unbiased value. Computed
        when asked (a report shows it for a few quantities, not for every part)."""
        t_crit = t_quantile(1 - (1 - self.level) / 2, self.df)
        noncentrality = detectable_noncentrality(t_crit, self.df, POWER)
        return self.to_pct(noncentrality * median_unbiased_sd(self.se, self.df))

    @property
    def half_width_pct(self) -> float:
        return max(abs(self.low_pct), abs(self.high_pct))


@dataclass(frozen=True)
class PairedSample:
    """One quantity's per-pair changes on the scale its interval is computed on."""

    mean: float
    variance: float  # of one pair's change, with pairs - 1 degrees of freedom
    pairs: int
    to_pct: Callable[[float], float]
    size: float | None = None  # the base median: what the family's prior trend is in

    @property
    def df(self) -> int:
        return self.pairs - 1


def paired_sample(base: Sequence[float], head: Sequence[float]) -> PairedSample | None:
    """Rounds pair by index (round i of base ran next to round i of head); unmatched
    rounds are left out. None when fewer than two pairs exist or the base is zero,
    where a relative change means nothing."""
    pairs = min(len(base), len(head))
    if pairs < 2:
        return None
    scaled = _scaled_changes(list(base[:pairs]), list(head[:pairs]))
    if scaled is None:
        return None
    values, to_pct = scaled
    moments = _mean_and_variance(values)
    if moments is None:
        return None
    return PairedSample(
        mean=moments[0],
        variance=moments[1],
        pairs=pairs,
        to_pct=to_pct,
        size=base_scale(base[:pairs]),
    )


def paired_change(
    base: Sequence[float], head: Sequence[float], *, alpha: float, prior: Prior = NONE
) -> RelativeChange | None:
    """The change of ``head`` against ``base`` at confidence 1 - ``alpha``, its variance
    moderated by the family's ``prior`` (none by default: the plain paired t)."""
    sample = paired_sample(base, head)
    return None if sample is None else interval(sample, alpha=alpha, prior=prior)


def interval(sample: PairedSample, *, alpha: float, prior: Prior = NONE) -> RelativeChange | None:
    """The t interval of ``sample``'s mean change, and what these rounds can detect."""
    if not 0 < alpha < 1:
        return None
    variance, df = prior.moderate(sample.variance, sample.df, sample.size)
    se = math.sqrt(variance / sample.pairs)
    mean, to_pct = sample.mean, sample.to_pct
    t_crit = t_quantile(1 - alpha / 2, df)
    return RelativeChange(
        estimate_pct=to_pct(mean),
        low_pct=to_pct(mean - t_crit * se),
        high_pct=to_pct(mean + t_crit * se),
        level=1 - alpha,
        pairs=sample.pairs,
        p_value=_p_value(mean, se, df),
        df=df,
        se=se,
        to_pct=to_pct,
    )


def p_value(sample: PairedSample, *, prior: Prior = NONE) -> float:
    """Two-sided p value of "no change", the variance moderated by ``prior``."""
    variance, df = prior.moderate(sample.variance, sample.df, sample.size)
    return _p_value(sample.mean, math.sqrt(variance / sample.pairs), df)


def _p_value(mean: float, se: float, df: float) -> float:
    if se == 0:
        return 1.0 if mean == 0 else 0.0
    return min(1.0, 2 * (1 - t_cdf(abs(mean) / se, df)))


def base_scale(base: Sequence[float]) -> float | None:
    """What a change in ms is relative to: the base median, else its mean when the
    median is 0; None when the base is zero (or beyond floats) throughout."""
    scale = statistics.median(base)
    if not scale > 0:
        try:
            scale = math.fsum(base) / len(base)
        except (OverflowError, ValueError):
            return None
    return scale if scale > 0 and math.isfinite(scale) else None


def _mean_and_variance(values: list[float]) -> tuple[float, float] | None:
    """Mean and sample variance; None for values near the float limits, which have none."""
    n = len(values)
    try:
        mean = math.fsum(values) / n
        variance = math.fsum((v - mean) * (v - mean) for v in values) / (n - 1)
    except (OverflowError, ValueError):
        return None
    ok = math.isfinite(mean) and math.isfinite(variance) and math.isfinite(math.sqrt(variance))
    return (mean, variance) if ok else None


def _scaled_changes(
    base: list[float], head: list[float]
) -> tuple[list[float], Callable[[float], float]] | None:
    """Per pair, the change on the scale its interval is computed on, and the way back to %.

    Log ratios when every value is positive (a ratio is what a reader compares).
    A stage that takes 0 ms in some rounds has no ratio: its differences in ms, over
    the base median, still say how much it moved.
    """
    if all(v > 0 and math.isfinite(v) for v in (*base, *head)):
        return [math.log(hv) - math.log(bv) for bv, hv in zip(base, head, strict=True)], _pct
    scale = base_scale(base)
    if scale is None:
        return None
    return [(hv - bv) / scale for bv, hv in zip(base, head, strict=True)], _linear_pct


def _pct(log_ratio: float) -> float:
    """A log ratio as percent change; clamped so that exp cannot overflow."""
    return math.expm1(max(-700.0, min(700.0, log_ratio))) * 100.0


def _linear_pct(fraction: float) -> float:
    return fraction * 100.0
