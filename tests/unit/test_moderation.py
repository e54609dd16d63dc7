"""The moderated variance (limma's empirical Bayes), held to a reference written with
scipy, and its t held to its nominal level by seeded simulation."""

import math
import random

import numpy as np
import pytest
from scipy.special import digamma, polygamma

from perfwaterfall.analysis import moderation
from perfwaterfall.analysis.moderation import NO_FAMILY, NONE, Prior, Spread, fit_prior
from perfwaterfall.analysis.paired import p_value, paired_sample


def trigamma_inverse(y: float) -> float:
    """limma's trigammaInverse: Newton's method from 0.5 + 1/y."""
    x = 0.5 + 1 / y
    for _ in range(50):
        tri = float(polygamma(1, x))
        step = tri * (1 - tri / y) / float(polygamma(2, x))
        x += step
        if -step / x < 1e-8:
            break
    return x


def reference_fit(variances, dfs, sizes, kinds):
    """fitFDist as limma writes it, its covariate a level per kind and a slope in log size
    (where limma fits a spline), solved by numpy's least squares."""
    x = np.log(np.asarray(sizes, dtype=float))
    df1 = np.asarray(dfs, dtype=float)
    e = np.log(np.asarray(variances)) - digamma(df1 / 2) + np.log(df1 / 2)
    names = sorted(set(kinds))
    dummies = [np.array([k == name for k in kinds], dtype=float) for name in names]
    design = np.column_stack([*dummies, x])
    coef, *_ = np.linalg.lstsq(design, e, rcond=None)
    fitted = design @ coef
    evar = np.sum((e - fitted) ** 2) / (len(e) - design.shape[1]) - np.mean(polygamma(1, df1 / 2))
    d0 = 2 * trigamma_inverse(evar)
    return d0, fitted + digamma(d0 / 2) - np.log(d0 / 2), coef


def test_the_prior_is_limmas_fitfdist_with_a_level_per_kind_and_a_size_trend():
    rng = np.random.default_rng(5)
    kinds = ["frame"] * 6 + ["ipc"] * 6 + ["part"] * 40 + ["rare"] * 2
    n = len(kinds)
    sizes = np.exp(rng.uniform(np.log(0.1), np.log(40), n))
    level = np.array([{"frame": 0.3, "ipc": 3.0}.get(k, 1.0) for k in kinds])
    truth = level * 0.03**2 * sizes**-0.5 * 6 / rng.chisquare(6, n)
    dfs = rng.choice([4, 7], n)
    variances = truth * rng.chisquare(dfs) / dfs
    family = fit_prior(
        [Spread(v, d, s, k) for v, d, s, k in zip(variances, dfs, sizes, kinds, strict=True)]
    )
    fitted = [i for i, k in enumerate(kinds) if k != "rare"]  # two are too few for a level
    d0, log_scale, coef = reference_fit(
        variances[fitted], dfs[fitted], sizes[fitted], [kinds[i] for i in fitted]
    )
    assert 1 < d0 < 100  # a finite estimate: the reference below is the formula, not the cap
    assert family.df == pytest.approx(d0, rel=1e-6)
    assert family.slope == pytest.approx(coef[-1], rel=1e-9)
    for i, expected in zip(fitted, log_scale, strict=True):
        prior = family.for_kind(kinds[i])
        assert math.log(prior.scale(sizes[i])) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert family.for_kind("rare") is NONE


def test_special_functions_match_scipy():
    for x in (0.05, 0.5, 1.0, 2.0, 3.7, 12.0, 150.0):
        assert moderation.digamma(x) == pytest.approx(float(digamma(x)), abs=1e-11)
        assert moderation.trigamma(x) == pytest.approx(float(polygamma(1, x)), rel=1e-11)
    for y in (0.01, 0.3, 2.0, 50.0):
        assert moderation.trigamma_inverse(y) == pytest.approx(trigamma_inverse(y), rel=1e-7)


def test_the_moderated_variance_weighs_the_prior_by_its_degrees_of_freedom():
    prior = Prior(df=6.0, intercept=math.log(4.0))
    assert prior.moderate(1.0, 4) == pytest.approx(((6 * 4.0 + 4 * 1.0) / 10, 10.0))
    assert NONE.moderate(1.0, 4) == (1.0, 4)


def test_too_small_a_family_or_no_spread_falls_back_or_pools():
    assert fit_prior([Spread(1.0, 4, 1.0)] * 4) is NO_FAMILY
    assert fit_prior([Spread(0.0, 4, 1.0)] * 10) is NO_FAMILY  # nothing varied: no scale
    # One pipeline's frame is no family: it keeps its own variance and df.
    one_frame = fit_prior([Spread(1.0, 4, 30.0, "frame"), *[Spread(2.0, 4, 1.0)] * 10])
    assert one_frame.for_kind("frame").moderate(1.0, 4) == (1.0, 4)
    # Identical variances scatter less than sampling would: limma's d0 is infinite, and
    # the prior is worth the family's pooled degrees of freedom, no more.
    same = fit_prior([Spread(2.0, 4, 1.0)] * 10).for_kind("part")
    assert same.df == 40
    assert same.moderate(2.0, 4, 1.0)[0] == pytest.approx(
        (40 * same.scale(1.0) + 4 * 2.0) / 44, rel=1e-12
    )


def _null_p_values(rng: random.Random, families: int, d0: float, pairs: int) -> list[float]:
    """Families of 30 unchanged quantities whose true variances follow limma's prior."""
    out = []
    for _ in range(families):
        samples = []
        for _ in range(30):
            sd = 0.03 * math.sqrt(d0 / rng.gammavariate(d0 / 2, 2))
            base = [20.0 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            head = [20.0 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            samples.append(paired_sample(base, head))
        prior = fit_prior([Spread(s.variance, s.df, s.size) for s in samples]).for_kind("part")
        out += [p_value(s, prior=prior) for s in samples]
    return out


def test_the_moderated_t_holds_its_level_and_uses_the_df_it_earned():
    # Under the prior the moderated t is t with d + d0 df: rejections at 5% come to 5%.
    # Too few df (d alone) or too many (2 d0) move the rate out of this band; so does a
    # variance not moderated at all (the plain t is right, but then d0 is not needed
    # and the family's help is lost: the df test below pins that).
    p = _null_p_values(random.Random(11), families=200, d0=8.0, pairs=5)
    rate = sum(v < 0.05 for v in p) / len(p)
    assert 0.043 <= rate <= 0.057, rate  # 6000 tests, sd of the rate about 0.003
    strict = sum(v < 0.005 for v in p) / len(p)
    assert 0.0025 <= strict <= 0.0085, strict


def test_a_family_under_the_prior_lends_each_quantity_its_degrees_of_freedom():
    rng = random.Random(12)
    samples = []
    for _ in range(60):
        sd = 0.03 * math.sqrt(10 / rng.gammavariate(5, 2))
        base = [20.0 * math.exp(rng.gauss(0, sd)) for _ in range(5)]
        samples.append(paired_sample(base, [b * math.exp(rng.gauss(0, sd)) for b in base]))
    prior = fit_prior([Spread(s.variance, s.df, s.size) for s in samples]).for_kind("part")
    assert 4 < prior.df < 40  # the truth is 10; far more than the plain t's nothing
