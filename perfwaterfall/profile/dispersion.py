"""How much a key's sample count varies between profiled rounds, learnt from the whole table.

py-spy's counts vary more than Poisson: a round on a busier machine samples everything
more or less, in proportion. The variance of a key's per-round count with mean ``m`` is
modelled as ``V(m) = m + kappa * m**2`` (the negative-binomial form): Poisson for rare
keys, a common coefficient of variation for busy ones. ``kappa`` is the moment estimate,
the value at which the pooled Pearson chi-square of the well-sampled keys equals its
degrees of freedom (a median of per-key variance/mean ratios at two degrees of freedom
each, the earlier rule, ran about 30 % low and ignored that big keys vary more).

Each key's own spread still counts. Its per-round sample variance is moderated toward the
family's ``V(m)`` by limma's empirical Bayes (Smyth 2004, ``squeezeVar``/``fitFDist``): the
prior degrees of freedom ``d0`` and scale come from the moments of the log variance ratios.
A key whose three rounds agreed by chance is not trusted alone, and its t test gains ``d0``
degrees of freedom from the table instead of having two or four.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.fdist import f_sf
from perfwaterfall.analysis.moderation import digamma, trigamma, trigamma_inverse

MIN_MEAN = 5.0  # samples a round below which a count is too coarse to show its variance


@dataclass(frozen=True)
class CountModel:
    """The family's variance function and the prior it puts on every key's spread."""

    kappa: float  # >= 0: V(m) = m + kappa m^2
    scale: float  # the prior variance of a key with mean m is scale * V(m)
    prior_df: float  # d0: how many degrees of freedom the prior is worth (inf: all)

    def variance(self, mean: float) -> float:
        """The family's variance of one round's count at this mean, never below Poisson."""
        return max(mean, self.scale * (mean + self.kappa * mean * mean))

    def moderated(
        self, counts: Sequence[float], null_mean: float, outlier_level: float
    ) -> tuple[float, float]:
        """One key's per-round variance on one side and its degrees of freedom: its own
        spread and the family's at ``null_mean``, weighted by their degrees of freedom,
        never below Poisson. A spread the family makes improbable at the key's own level
        (F test at ``outlier_level``: a start-up that stalled in one round, a process py-spy
        misnamed once) is the key's own, judged alone, as limma's robust prior lets
        outliers be."""
        prior = self.variance(null_mean)
        df = len(counts) - 1
        if df <= 0:
            return prior, self.prior_df
        own = sample_variance(counts)
        typical = self.variance(sum(counts) / len(counts))
        if own > 0 and self.prior_df > 0 and f_sf(own / typical, df, self.prior_df) < outlier_level:
            return max(null_mean, own), df
        if math.isinf(self.prior_df):
            return prior, self.prior_df
        weighted = (self.prior_df * prior + df * own) / (self.prior_df + df)
        return max(null_mean, weighted), self.prior_df + df


POISSON = CountModel(kappa=0.0, scale=1.0, prior_df=math.inf)


def fit(per_round_counts: Iterable[Sequence[float]]) -> CountModel:
    """The model from every key's per-round counts on each side (one sequence a key and
    side); plain Poisson when no key has two rounds of ``MIN_MEAN`` samples."""
    rows = [
        (sum(c) / len(c), sample_variance(c), len(c) - 1)
        for c in per_round_counts
        if len(c) >= 2 and sum(c) / len(c) >= MIN_MEAN
    ]
    if not rows:
        return POISSON
    kappa = _pearson_kappa(rows)
    ratios = [(var / (mean + kappa * mean * mean), df) for mean, var, df in rows if var > 0]
    prior_df, scale = _prior(ratios)
    return CountModel(kappa=kappa, scale=scale, prior_df=prior_df)


def _pearson_kappa(rows: Sequence[tuple[float, float, int]]) -> float:
    """The kappa >= 0 at which sum(df * var / V(mean)) equals sum(df): monotone in kappa,
    so bisection finds it."""
    target = sum(df for _, _, df in rows)

    def excess(kappa: float) -> float:
        return sum(df * var / (mean + kappa * mean * mean) for mean, var, df in rows) - target

    if excess(0.0) <= 0:
        return 0.0
    high = 1e-3
    while excess(high) > 0 and high < 1e6:
        high *= 2
    low = 0.0
    for _ in range(100):
        middle = (low + high) / 2
        if excess(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _prior(ratios: Sequence[tuple[float, int]]) -> tuple[float, float]:
    """limma's fitFDist without covariates: ``(d0, scale)`` from the log ratios' moments.
    Fewer than three ratios cannot tell how far they scatter: no moderation (d0 = 0)."""
    if len(ratios) < 3:
        return 0.0, 1.0
    e = [math.log(x) - digamma(df / 2) + math.log(df / 2) for x, df in ratios]
    mean = sum(e) / len(e)
    spread = sum((v - mean) ** 2 for v in e) / (len(e) - 1)
    spread -= sum(trigamma(df / 2) for _, df in ratios) / len(ratios)
    if spread <= 0:
        return math.inf, math.exp(mean)
    prior_df = 2 * trigamma_inverse(spread)
    return prior_df, math.exp(mean + digamma(prior_df / 2) - math.log(prior_df / 2))


def sample_variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)
