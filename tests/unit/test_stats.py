import math

import pytest

from perfwaterfall.analysis.stats import estimate, geometric_mean


def test_estimate_median_and_full_range_below_six_samples():
    est = estimate([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (est.median, est.low, est.high) == (3.0, 1.0, 5.0)
    assert est.level == pytest.approx(1 - 2 / 32)  # the full range of five: 93.75%, not 95%


def test_estimate_ci_narrows_with_more_samples():
    est = estimate([float(i) for i in range(1, 21)])
    # For n = 20 the 95% CI of the median is [x(6), x(15)], coverage 95.86%.
    assert (est.low, est.high) == (6.0, 15.0)
    assert est.median == 10.5
    assert est.level == pytest.approx(1 - 2 * sum(math.comb(20, i) for i in range(6)) / 2**20)
    assert est.level >= 0.95


def test_estimate_refuses_no_samples():
    with pytest.raises(ValueError):
        estimate([])


def test_geometric_mean_ignores_unusable_values():
    assert geometric_mean([0.5, 2.0]) == pytest.approx(1.0)
    assert geometric_mean([0.0, math.inf]) is None
