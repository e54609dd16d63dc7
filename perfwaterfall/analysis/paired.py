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
from dataclasses import dataclass

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
    detectable_pct: float  # the smallest change this design finds with POWER

    @property
    def half_width_pct(self) -> float:
        return max(abs(self.low_pct), abs(self.high_pct))


def paired_change(
    base: Sequence[float], head: Sequence[float], *, alpha: float
) -> RelativeChange | None:
    """The change of ``head`` against ``base`` at confidence 1 - ``alpha``.

    Rounds pair by index (round i of base ran next to round i of head); unmatched
    rounds are left out. None when fewer than two pairs exist or the base is zero,
    where a relative change means nothing.
    """
    pairs = min(len(base), len(head))
    if pairs < 2 or not 0 < alpha < 1:
        return None
    b, h = list(base[:pairs]), list(head[:pairs])
    scaled = _scaled_changes(b, h)
    if scaled is None:
        return None
    values, to_pct = scaled
    moments = _mean_and_se(values)
    if moments is None:
        return None
    mean, se = moments
    df = pairs - 1
    t_crit = t_quantile(1 - alpha / 2, df)
    if se == 0:
        p_value = 1.0 if mean == 0 else 0.0
    else:
        p_value = min(1.0, 2 * (1 - t_cdf(abs(mean) / se, df)))
    return RelativeChange(
        estimate_pct=to_pct(mean),
        low_pct=to_pct(mean - t_crit * se),
        high_pct=to_pct(mean + t_crit * se),
        level=1 - alpha,
        pairs=pairs,
        p_value=p_value,
        detectable_pct=to_pct((t_crit + t_quantile(POWER, df)) * se),
    )


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


def _mean_and_se(values: list[float]) -> tuple[float, float] | None:
    """Mean and standard error; None for values near the float limits, which have none."""
    n = len(values)
    try:
        mean = math.fsum(values) / n
        se = math.sqrt(math.fsum((v - mean) * (v - mean) for v in values) / (n - 1) / n)
    except (OverflowError, ValueError):
        return None
    return (mean, se) if math.isfinite(mean) and math.isfinite(se) else None


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
