"""The smallest change a t test finds with a given power: the noncentral t, written out.

"detects ≥X%" used to be ``(t_crit + t_power) × se``, the normal shortcut, which at five
pairs and the family's levels understates the change that is found 4 times in 5 by about
a fifth. The exact figure solves ``P(|T'| > t_crit) = power`` for the noncentrality of
a noncentral t with the test's own degrees of freedom. Its tail is an integral over the
chi distribution of the variance estimate, ``E[Φ(λ - c U)] + E[Φ(-λ - c U)]`` with
``U = sqrt(V / df)``, done by Simpson's rule on a grid that covers ±12 of U's standard
deviations (scipy is not imported at run time; the tests hold this to scipy.stats.nct).
"""

from __future__ import annotations

import math
from functools import lru_cache

from perfwaterfall.analysis.tdist import normal_cdf

_NODES = 240  # Simpson intervals over U: the integrand is smooth, error well below 1e-6


@lru_cache(maxsize=64)
def _chi_grid(df: float) -> tuple[tuple[float, float], ...]:
    """(u, weight) pairs integrating over U = sqrt(chi2_df / df)."""
    sd = 1 / math.sqrt(2 * df)
    low, high = max(0.0, 1 - 12 * sd), 1 + 12 * sd + (6.0 if df < 3 else 0.0)
    nodes = _NODES * (4 if df < 3 else 1)  # the chi of one or two df is steep near 0
    step = (high - low) / nodes
    half = df / 2
    log_norm = half * math.log(half) - math.lgamma(half) + math.log(2.0)
    grid = []
    for i in range(nodes + 1):
        u = low + i * step
        if u > 0:
            density = math.exp(log_norm + (df - 1) * math.log(u) - half * u * u)
        else:  # u^(df-1) at 0: 1 for one df, 0 above (df below 1 never comes here)
            density = math.exp(log_norm) if df == 1 else 0.0
        simpson = 1 if i in (0, nodes) else (4 if i % 2 else 2)
        grid.append((u, density * simpson * step / 3))
    return tuple(grid)


def two_sided_power(noncentrality: float, t_crit: float, df: float) -> float:
    """P(|T'| > t_crit) for a noncentral t with ``df`` degrees of freedom."""
    if math.isinf(df):
        return normal_cdf(noncentrality - t_crit) + normal_cdf(-noncentrality - t_crit)
    return math.fsum(
        w * (normal_cdf(noncentrality - t_crit * u) + normal_cdf(-noncentrality - t_crit * u))
        for u, w in _chi_grid(df)
    )


@lru_cache(maxsize=1024)
def detectable_noncentrality(t_crit: float, df: float, power: float) -> float:
    """The noncentrality at which a two-sided t test at ``t_crit`` reaches ``power``."""
    low, high = 0.0, t_crit + 10.0
    while two_sided_power(high, t_crit, df) < power:
        high *= 2
    for _ in range(34):  # to 1e-9 of the bracket: far below the one decimal shown
        middle = (low + high) / 2
        if two_sided_power(middle, t_crit, df) < power:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def median_unbiased_sd(sd: float, df: float) -> float:
    """The sample sd scaled so that its median is the true sd (Wilson-Hilferty median of
    chi2): at 4 df the plain sd is below the truth more often than not, by 8% at the
    median, and a detectable change from it would be as optimistic."""
    if math.isinf(df):
        return sd
    median_ratio = (1 - 2 / (9 * df)) ** 3  # median of chi2_df / df
    return sd / math.sqrt(max(median_ratio, 1e-3))
