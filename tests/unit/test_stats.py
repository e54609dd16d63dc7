import math

import pytest

from perfwaterfall.analysis.stats import (
    compare_samples,
    estimate,
    geometric_mean,
    mann_whitney_p,
    min_reachable_p,
    rounds_needed,
)


def test_estimate_median_and_full_range_below_six_samples():
    est = estimate([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (est.median, est.low, est.high) == (3.0, 1.0, 5.0)


def test_estimate_ci_narrows_with_more_samples():
    est = estimate([float(i) for i in range(1, 21)])
    # For n = 20 the 95% CI of the median is [x(6), x(15)].
    assert (est.low, est.high) == (6.0, 15.0)
    assert est.median == 10.5


def test_estimate_refuses_no_samples():
    with pytest.raises(ValueError):
        estimate([])


def test_complete_separation_of_five_rounds_is_significant():
    change = compare_samples(
        [20.0, 20.1, 20.2, 19.9, 20.05], [22.0, 22.1, 22.2, 21.9, 22.05], threshold_pct=2.0
    )
    assert change.p_value == pytest.approx(2 / math.comb(10, 5))
    assert change.significant
    assert change.delta == pytest.approx(2.0)
    assert change.percent == pytest.approx(2.0 / 20.05 * 100)


def test_separated_but_below_threshold_is_noise():
    change = compare_samples(
        [20.0, 20.01, 20.02, 20.03, 20.04], [20.1, 20.11, 20.12, 20.13, 20.14], threshold_pct=2.0
    )
    assert change.p_value < 0.05
    assert not change.significant


def test_large_but_overlapping_is_noise():
    change = compare_samples([10, 30, 10, 30, 10], [30, 10, 30, 10, 30], threshold_pct=2.0)
    assert not change.significant


def test_absolute_floor_keeps_tiny_stages_quiet():
    base, head = [0.010, 0.011, 0.012, 0.013, 0.014], [0.020, 0.021, 0.022, 0.023, 0.024]
    assert compare_samples(base, head, threshold_pct=2.0).significant
    assert not compare_samples(base, head, threshold_pct=2.0, min_effect=0.05).significant


def test_identical_constant_samples_give_p_one():
    assert mann_whitney_p([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]) == 1.0


def test_three_rounds_cannot_reach_significance_and_four_can():
    assert min_reachable_p(3, 3) == pytest.approx(0.1)
    assert min_reachable_p(4, 4) < 0.05
    assert rounds_needed() == 4


def test_geometric_mean_ignores_unusable_values():
    assert geometric_mean([0.5, 2.0]) == pytest.approx(1.0)
    assert geometric_mean([0.0, math.inf]) is None
