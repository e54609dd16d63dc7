"""The relative change of head against base from two separate runs: rounds as two samples.

``show BASE.json HEAD.json`` compares bundles that ``run`` measured apart, in other
jobs, maybe on other machines, hours apart. Round i of one shared no minute of the
host with round i of the other, so pairing them by index (paired.py) would cancel
drift that never was shared, and add the difference of the two sessions to every
pair unnoticed. Here each side's round medians are one independent sample and the
interval is Welch's t interval for the difference of their means: on log values
(a ratio, as paired.py reads it) with the Welch-Satterthwaite degrees of freedom,
since two runs on two machines need not be equally noisy. The verdict rules and
the family's levels are verdict.py's, unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from perfwaterfall.analysis.paired import RelativeChange, base_scale
from perfwaterfall.analysis.stats import Change, Verdict, estimate
from perfwaterfall.analysis.tdist import t_cdf, t_quantile
from perfwaterfall.analysis.verdict import decide


def welch_change(
    base: Sequence[float], head: Sequence[float], *, alpha: float
) -> RelativeChange | None:
    """The change of ``head`` against ``base`` at confidence 1 - ``alpha``, rounds unpaired.

    Every round of each side counts (8 against 5 is fine: nothing is matched). None
    with fewer than two rounds on a side (no spread to estimate) or a base of zero.
    ``pairs`` is 0: no round was paired with another.
    """
    if min(len(base), len(head)) < 2 or not 0 < alpha < 1:
        return None
    scaled = _scaled(list(base), list(head))
    if scaled is None:
        return None
    b, h, to_pct = scaled
    moments = _welch_moments(b, h)
    if moments is None:
        return None
    difference, se, df = moments
    t_crit = t_quantile(1 - alpha / 2, df)
    if se == 0:
        p_value = 1.0 if difference == 0 else 0.0
    else:
        p_value = min(1.0, 2 * (1 - t_cdf(abs(difference) / se, df)))
    return RelativeChange(
        estimate_pct=to_pct(difference),
        low_pct=to_pct(difference - t_crit * se),
        high_pct=to_pct(difference + t_crit * se),
        level=1 - alpha,
        pairs=0,
        p_value=p_value,
        df=df,
        se=se,
        to_pct=to_pct,
    )


def judge_unpaired(
    base: Sequence[float],
    head: Sequence[float],
    *,
    detection_alpha: float,
    equivalence_alpha: float,
    threshold_pct: float,
    floor: float = 0.0,
) -> Change:
    """verdict.judge for separate runs: the same levels, margin and rule (verdict.decide),
    on Welch's intervals instead of paired ones."""
    detection = welch_change(base, head, alpha=detection_alpha)
    equivalence = welch_change(base, head, alpha=equivalence_alpha)
    margin = threshold_pct
    if floor > 0:
        scale = base_scale(base)
        margin = math.inf if scale is None else max(margin, floor / scale * 100.0)
    verdict = decide(detection, equivalence, margin)
    if detection is None:
        verdict = _without_ratio(base, head, floor)
    return Change(
        base=estimate(base),
        head=estimate(head),
        verdict=verdict,
        detection=detection,
        equivalence=equivalence,
        margin_pct=margin,
    )


def welch_df(var_b: float, n_b: int, var_h: float, n_h: int) -> float:
    """Welch-Satterthwaite: the degrees of freedom of the sum of the two means' variances.

    Between the smaller side's n - 1 and n_b + n_h - 2. Two spreads of zero give the
    pooled count (the interval is then a point whatever the df).
    """
    sb, sh = var_b / n_b, var_h / n_h
    denominator = sb * sb / (n_b - 1) + sh * sh / (n_h - 1)
    if denominator == 0:
        return float(n_b + n_h - 2)
    return (sb + sh) ** 2 / denominator


def _welch_moments(b: list[float], h: list[float]) -> tuple[float, float, float] | None:
    """(difference of means, its standard error, Welch's df); None near the float limits."""
    try:
        mean_b, mean_h = math.fsum(b) / len(b), math.fsum(h) / len(h)
        var_b, var_h = _variance(b, mean_b), _variance(h, mean_h)
        se = math.sqrt(var_b / len(b) + var_h / len(h))
        df = welch_df(var_b, len(b), var_h, len(h))
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    values = (mean_h - mean_b, se, df)
    return values if all(math.isfinite(v) for v in values) else None


def _variance(values: list[float], mean: float) -> float:
    return math.fsum((v - mean) * (v - mean) for v in values) / (len(values) - 1)


def _scaled(
    base: list[float], head: list[float]
) -> tuple[list[float], list[float], Callable[[float], float]] | None:
    """Both samples on the scale the interval is computed on, and the way back to %.

    Logs when every value is positive; else ms over the base median (a stage that
    takes 0 ms in some rounds has no ratio), as paired.py does.
    """
    if all(v > 0 and math.isfinite(v) for v in (*base, *head)):
        return [math.log(v) for v in base], [math.log(v) for v in head], _pct
    scale = base_scale(base)
    if scale is None:
        return None
    return [v / scale for v in base], [v / scale for v in head], _linear_pct


def _pct(log_ratio: float) -> float:
    """A log ratio as percent change; clamped so that exp cannot overflow."""
    return math.expm1(max(-700.0, min(700.0, log_ratio))) * 100.0


def _linear_pct(fraction: float) -> float:
    return fraction * 100.0


def _without_ratio(base: Sequence[float], head: Sequence[float], floor: float) -> Verdict:
    """A base of 0 ms throughout has no relative change: same when every head round is
    within the floor of it, slower when every one is beyond it (a new cost)."""
    if len(base) < 2 or len(head) < 2:
        return Verdict.UNDECIDED
    if all(abs(v) <= floor for v in head):
        return Verdict.SAME
    if all(v > floor for v in head):
        return Verdict.SLOWER
    return Verdict.UNDECIDED
