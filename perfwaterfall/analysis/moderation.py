"""Borrowing strength: every quantity's variance moderated toward its family's.

Five pairs give each quantity's variance four degrees of freedom, so its t quantile at
the family's levels is about 7. But one comparison judges tens of quantities, and their
variances say what variances look like on this run. As limma's moderated t (Smyth 2004,
``squeezeVar``/``fitFDist``), the per-quantity variances ``s²`` (``d`` degrees of
freedom each) are taken as draws around a prior ``s0²`` worth ``d0`` degrees of
freedom, both estimated by the method of moments on the log variances (the spread that
sampling alone does not explain, inverted through the trigamma function). Each quantity
then uses ``(d0 s0² + d s²) / (d0 + d)`` with ``d + d0`` degrees of freedom: a quantity
whose rounds agreed by chance is not believed alone, and its interval gains the
family's degrees of freedom. Under the prior the moderated t is exactly Student's t
with ``d + d0`` degrees of freedom, so the levels hold.

The family is not one kind of thing: a 0.1 ms hop varies by a larger fraction than a
35 ms frame, and a frame (a sum of stages) is quieter than a stage of its size. A
single s0² would pull the frame's variance up toward the stages', and cost the frame
what it should gain. So, as limma with covariates, the prior's log scale has a level
per kind (frame times, IPC, parts) and a common slope in the log of each quantity's
size (its base median in ms), fitted to the same moment equations; d0 is what the
scatter around those lines leaves. A kind with fewer than MIN_KIND members in the
family (the one frame of a one-pipeline compare) is not moderated at all.

Guards: fewer than ``MIN_FAMILY`` usable variances cannot say how far they scatter,
and nothing is moderated (``d0 = 0``: the plain paired t); nor is it when the family's
variances scatter so widely that d0 is under ``MIN_PRIOR_DF``. When the variances scatter
no more than sampling explains, limma's ``d0`` is infinite; here it is capped at the
family's pooled degrees of freedom, which is what the prior was estimated from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_FAMILY = 5  # usable variances needed before the family's scatter means anything
MIN_KIND = 3  # members a kind needs for a level of its own
# Below this many prior degrees of freedom a quantity gains almost nothing (4 df become
# at most 6), while one much quieter than its kind's level could have its variance
# doubled by even a small weight on the prior: no moderation at all is the better bet.
MIN_PRIOR_DF = 2.0


@dataclass(frozen=True)
class Prior:
    """The family's variance as a trend in log size (``log s0² = intercept + slope x``)
    and what it is worth (``df``, d0). ``df`` 0 is no prior: the plain t."""

    df: float
    intercept: float
    slope: float = 0.0

    def scale(self, size: float | None) -> float:
        """s0² for a quantity of this size (its base median); the family's mid size when
        the size is unknown."""
        x = 0.0 if size is None or not size > 0 else math.log(size)
        return math.exp(self.intercept + self.slope * x)

    def moderate(
        self, variance: float, df: float, size: float | None = None
    ) -> tuple[float, float]:
        """(moderated variance, its degrees of freedom) for one quantity's own estimate."""
        if self.df <= 0:
            return variance, df
        return (self.df * self.scale(size) + df * variance) / (self.df + df), self.df + df


NONE = Prior(df=0.0, intercept=0.0)


@dataclass(frozen=True)
class FamilyPrior:
    """One d0 and one slope for the family, and each kind's own level (frame times are
    quieter than a hop of the same size would suggest)."""

    df: float
    slope: float
    intercepts: tuple[tuple[str, float], ...]

    def for_kind(self, kind: str) -> Prior:
        """The prior of one kind; none for a kind too rare in this family to have one."""
        level = dict(self.intercepts).get(kind)
        return NONE if level is None else Prior(df=self.df, intercept=level, slope=self.slope)


NO_FAMILY = FamilyPrior(df=0.0, slope=0.0, intercepts=())


@dataclass(frozen=True)
class Spread:
    """One quantity's own variance, its degrees of freedom, its size (base median) and
    its kind ("frame", "ipc" or "part")."""

    variance: float
    df: float
    size: float | None = None
    kind: str = "part"


def fit_prior(spreads: Sequence[Spread]) -> FamilyPrior:
    """limma's fitFDist with covariates: log size (a straight line where limma fits a
    spline) and a level per kind; ``NO_FAMILY`` when the family is too small. A kind with
    fewer than MIN_KIND members has no level of its own: its quantities are judged on
    their own variance (one pipeline's frame is no family)."""
    usable = [s for s in spreads if math.isfinite(s.variance) and s.variance > 0 and s.df > 0]
    counts = {k: sum(s.kind == k for s in usable) for k in {s.kind for s in usable}}
    usable = [s for s in usable if counts[s.kind] >= MIN_KIND]
    if len(usable) < MIN_FAMILY:
        return NO_FAMILY
    x = [math.log(s.size) if s.size is not None and s.size > 0 else 0.0 for s in usable]
    e = [math.log(s.variance) - digamma(s.df / 2) + math.log(s.df / 2) for s in usable]
    levels, slope = _lines([s.kind for s in usable], x, e)
    fitted = [levels[s.kind] + slope * xi for s, xi in zip(usable, x, strict=True)]
    free = len(e) - len(levels) - (1 if slope else 0)
    if free < 2:
        return NO_FAMILY
    spread = math.fsum((ei - fi) ** 2 for ei, fi in zip(e, fitted, strict=True)) / free
    spread -= math.fsum(trigamma(s.df / 2) for s in usable) / len(usable)
    pooled_df = math.fsum(s.df for s in usable)
    d0 = 2 * trigamma_inverse(spread) if spread > 0 else math.inf
    # Sampling explains all the scatter (limma's d0 = inf): the prior is then worth what
    # it was estimated from, the family's pooled degrees of freedom, and no more.
    d0 = min(d0, pooled_df)
    if d0 < MIN_PRIOR_DF:
        return NO_FAMILY  # the variances are too unlike each other to lend strength
    shift = digamma(d0 / 2) - math.log(d0 / 2)
    return FamilyPrior(
        df=d0, slope=slope, intercepts=tuple((k, v + shift) for k, v in sorted(levels.items()))
    )


def _lines(
    kinds: Sequence[str], x: Sequence[float], y: Sequence[float]
) -> tuple[dict[str, float], float]:
    """Least squares y = a[kind] + b x: parallel lines, b from the deviations within each
    kind; flat when x does not vary within any kind."""
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(kinds):
        groups.setdefault(k, []).append(i)
    mean_x = {k: math.fsum(x[i] for i in ix) / len(ix) for k, ix in groups.items()}
    mean_y = {k: math.fsum(y[i] for i in ix) / len(ix) for k, ix in groups.items()}
    sxx = math.fsum((x[i] - mean_x[k]) ** 2 for k, ix in groups.items() for i in ix)
    if sxx < 1e-12:
        return mean_y, 0.0
    sxy = math.fsum((x[i] - mean_x[k]) * (y[i] - mean_y[k]) for k, ix in groups.items() for i in ix)
    slope = sxy / sxx
    return {k: mean_y[k] - slope * mean_x[k] for k in groups}, slope


def digamma(x: float) -> float:
    """psi(x) for x > 0: recurrence up to 10, then the asymptotic series (error < 1e-12)."""
    shift = 0.0
    while x < 10:
        shift -= 1 / x
        x += 1
    inv2 = 1 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 / 240)))
    return shift + math.log(x) - 0.5 / x - series


def trigamma(x: float) -> float:
    """psi'(x) for x > 0: recurrence up to 10, then the asymptotic series (error < 1e-12)."""
    shift = 0.0
    while x < 10:
        shift += 1 / (x * x)
        x += 1
    inv2 = 1 / (x * x)
    series = inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    return shift + 1 / x + inv2 / 2 + series / x


def trigamma_inverse(y: float) -> float:
    """The x > 0 with trigamma(x) = y: trigamma falls monotonically, so bisect on log x."""
    low, high = math.log(1e-8), math.log(1e8)
    for _ in range(200):
        middle = (low + high) / 2
        if trigamma(math.exp(middle)) > y:
            low = middle
        else:
            high = middle
    return math.exp((low + high) / 2)
