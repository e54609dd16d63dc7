"""Sparklines: lowest to highest, gaps for missing points, flat under the threshold."""

from perfwaterfall.present.sparkline import sparkline


def test_a_step_goes_from_the_bottom_to_the_top():
    assert sparkline([20.0, 20.0, 22.0, 22.0]) == "▁▁██"


def test_a_missing_point_is_a_gap():
    assert sparkline([1.0, None, 2.0]) == "▁ █"
    assert sparkline([None, None]) == "  "


def test_changes_under_the_least_span_stay_in_the_middle():
    line = sparkline([10.0, 10.01, 9.99], least_span_pct=2.0)
    assert set(line) <= {"▃", "▄", "▅"}
