"""Student's t distribution: the quantiles and tail probabilities the verdicts need."""

from __future__ import annotations


def t_quantile(p: float, df: int) -> float:
    """The value below which a t variable with ``df`` degrees of freedom falls with
    probability ``p``."""
    from scipy.special import stdtrit  # here, not at import: scipy costs start-up time

    return float(stdtrit(df, p))


def t_cdf(x: float, df: int) -> float:
    """P(T <= x) for a t variable with ``df`` degrees of freedom."""
    from scipy.special import stdtr

    return float(stdtr(df, x))
