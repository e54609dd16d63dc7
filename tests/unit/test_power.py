"""The "detects ≥X%" figure: the noncentral t written out, held to scipy, and the
figure shown held to the change that a seeded simulation finds 4 times in 5."""

import math
import random

import pytest
from scipy import stats as scipy_stats

from perfwaterfall.analysis.paired import POWER, paired_change
from perfwaterfall.analysis.power import detectable_noncentrality, two_sided_power
from perfwaterfall.analysis.tdist import t_quantile


def nct_power(nc, t_crit, df):
    """P(|T'| > t_crit), scipy's noncentral t (its lower tail by symmetry: T'(nc) < -c is
    T'(-nc) > c, which scipy computes where its cdf at -c returns nan)."""
    return float(scipy_stats.nct.sf(t_crit, df, nc) + scipy_stats.nct.sf(t_crit, df, -nc))


@pytest.mark.parametrize("df", [1, 2, 4, 7, 9.5, 30, 200])
def test_the_power_is_scipys_noncentral_t(df):
    for t_crit in (2.0, 4.6, 7.2):
        for nc in (0.0, 1.5, 5.0, 9.0):
            expected = nct_power(nc, t_crit, df)
            assert two_sided_power(nc, t_crit, df) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(("alpha", "df"), [(0.05, 4), (0.0021, 4), (0.0021, 7), (0.0002, 11.3)])
def test_the_detectable_noncentrality_gives_the_power_asked_for(alpha, df):
    t_crit = t_quantile(1 - alpha / 2, df)
    nc = detectable_noncentrality(t_crit, df, POWER)
    exact = nct_power(nc, t_crit, df)
    assert exact == pytest.approx(POWER, abs=1e-5)
    # The normal shortcut it replaced is optimistic by a fifth and more at few pairs.
    assert t_crit + t_quantile(POWER, df) < nc


def _median_shown(rng, pairs, sd, alpha, trials=301):
    shown = []
    for _ in range(trials):
        base = [20 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
        head = [20 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
        shown.append(paired_change(base, head, alpha=alpha).detectable_pct)
    return sorted(shown)[trials // 2]


@pytest.mark.parametrize("pairs", [5, 8])
def test_the_shown_detectable_change_is_within_a_tenth_of_the_exact_one(pairs):
    # Per-round sd 3% on each side, the frame level of a 6-pipeline family read twice.
    sd, alpha = 0.03, 0.05 * 0.8 / 6 / 2
    df = pairs - 1
    t_crit = scipy_stats.t.ppf(1 - alpha / 2, df)
    exact_nc = _solve(lambda x: scipy_stats.nct.sf(t_crit, df, x) - POWER)
    exact_pct = math.expm1(exact_nc * sd * math.sqrt(2) / math.sqrt(pairs)) * 100
    shown = _median_shown(random.Random(pairs), pairs, sd, alpha)
    assert shown == pytest.approx(exact_pct, rel=0.10), (shown, exact_pct)


def test_a_change_of_the_shown_size_is_found_about_four_times_in_five():
    rng = random.Random(44)
    sd, alpha, pairs = 0.03, 0.01, 8
    shown = _median_shown(rng, pairs, sd, alpha)
    found = 0
    for _ in range(400):
        base = [20 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
        head = [20 * (1 + shown / 100) * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
        found += paired_change(base, head, alpha=alpha).low_pct > 0
    assert 0.72 <= found / 400 <= 0.88  # 0.8 with a Monte Carlo sd of 0.02


def _solve(f, low=0.0, high=100.0):
    for _ in range(200):
        mid = (low + high) / 2
        if f(mid) < 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2
