"""The F distribution's upper tail against scipy's."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from perfwaterfall.analysis.fdist import f_sf


@pytest.mark.parametrize(
    ("x", "df1", "df2"), [(9.5, 2, 28), (1.0, 3, 5), (0.2, 2, 7), (30.0, 2, 3), (4.0, 5, 60)]
)
def test_f_upper_tail_matches_scipy(x, df1, df2):
    assert f_sf(x, df1, df2) == pytest.approx(stats.f.sf(x, df1, df2), rel=1e-9)


def test_infinite_denominator_is_a_chi_square_over_its_df():
    assert f_sf(4.55, 3, math.inf) == pytest.approx(stats.chi2.sf(4.55 * 3, 3), rel=1e-5)
    assert f_sf(0.0, 3, 5) == 1.0
