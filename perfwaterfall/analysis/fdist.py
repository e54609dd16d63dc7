"""The F distribution's upper tail, from the same incomplete beta as Student's t (scipy
costs `show` its start-up; the tests hold this to scipy's values)."""

from __future__ import annotations

import math

from perfwaterfall.analysis.tdist import incomplete_beta


def f_sf(x: float, df1: float, df2: float) -> float:
    """P(F > x) for an F variable with ``df1`` and ``df2`` degrees of freedom; ``df2``
    may be infinite (then F is a chi-square over ``df1``)."""
    if x <= 0:
        return 1.0
    if math.isinf(df2):
        df2 = 1e8  # the beta form near its limit: within 1e-6 of the chi-square here
    return incomplete_beta(df2 / 2, df1 / 2, df2 / (df2 + df1 * x))
