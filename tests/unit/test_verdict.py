"""The decision rule on seeded synthetic rounds whose answer is known."""

import math
import random

import pytest
from scipy import stats as scipy_stats

from perfwaterfall.analysis.paired import paired_change
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.analysis.tdist import t_cdf, t_quantile
from perfwaterfall.analysis.verdict import ALPHA, Design, judge

LEVELS = {"detection_alpha": 0.001, "equivalence_alpha": 0.1}


def rounds(rng: random.Random, n: int, mean: float, sd_pct: float) -> list[float]:
    return [mean * math.exp(rng.gauss(0, sd_pct / 100)) for _ in range(n)]


def test_t_distribution_matches_the_tables():
    assert t_quantile(0.975, 4) == pytest.approx(2.7764, abs=1e-4)
    assert t_quantile(0.975, 30) == pytest.approx(2.0423, abs=1e-4)
    assert t_cdf(2.7764451, 4) == pytest.approx(0.975, abs=1e-6)


def test_interval_and_p_value_are_the_paired_t_test_on_log_ratios():
    rng = random.Random(7)
    base = rounds(rng, 8, 20.0, 3)
    head = [b * math.exp(rng.gauss(0.02, 0.01)) for b in base]
    change = paired_change(base, head, alpha=0.05)
    assert change is not None
    logs = [math.log(h / b) for b, h in zip(base, head, strict=True)]
    reference = scipy_stats.ttest_rel([math.log(h) for h in head], [math.log(b) for b in base])
    assert change.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    mean, se = sum(logs) / 8, scipy_stats.sem(logs)
    low, high = scipy_stats.t.interval(0.95, 7, loc=mean, scale=se)
    assert change.low_pct == pytest.approx(math.expm1(low) * 100, rel=1e-9)
    assert change.high_pct == pytest.approx(math.expm1(high) * 100, rel=1e-9)
    assert change.estimate_pct == pytest.approx(math.expm1(mean) * 100, rel=1e-9)
    assert change.level == 0.95 and change.pairs == 8


def test_pairing_cancels_drift_that_both_sides_of_a_pair_shared():
    # The host slows down round after round, by up to 30%; head is exactly 3% slower.
    drift = [1.0, 1.05, 1.1, 1.2, 1.3, 1.15]
    base = [20.0 * d for d in drift]
    head = [20.0 * 1.03 * d for d in drift]
    change = judge(base, head, threshold_pct=2.0, **LEVELS)
    assert change.verdict is Verdict.SLOWER
    assert change.percent == pytest.approx(3.0)
    # Paired wrongly (head reversed), the same numbers cannot be told apart from noise.
    shuffled = judge(base, head[::-1], threshold_pct=2.0, **LEVELS)
    assert shuffled.verdict is Verdict.UNDECIDED


def test_a_clear_slowdown_is_slower_and_a_clear_speedup_faster():
    rng = random.Random(1)
    base = rounds(rng, 6, 20.0, 0.5)
    assert judge(base, [b * 1.05 for b in base], threshold_pct=2.0, **LEVELS).verdict == "slower"
    assert judge(base, [b * 0.95 for b in base], threshold_pct=2.0, **LEVELS).verdict == "faster"


def test_same_needs_the_whole_interval_inside_the_threshold():
    rng = random.Random(2)
    base = rounds(rng, 8, 20.0, 0.5)
    quiet = [b * math.exp(rng.gauss(0, 0.002)) for b in base]
    same = judge(base, quiet, threshold_pct=2.0, **LEVELS)
    assert same.verdict is Verdict.SAME
    assert same.shown is same.equivalence
    assert -2.0 < same.shown.low_pct <= same.shown.high_pct < 2.0
    noisy = [b * math.exp(rng.gauss(0, 0.08)) for b in base]
    assert judge(base, noisy, threshold_pct=2.0, **LEVELS).verdict is Verdict.UNDECIDED


def test_an_absolute_floor_keeps_tiny_stages_same():
    base, head = [0.010, 0.011, 0.012, 0.013, 0.014], [0.020, 0.021, 0.022, 0.023, 0.024]
    assert judge(base, head, threshold_pct=2.0, **LEVELS).verdict is Verdict.SLOWER
    assert judge(base, head, threshold_pct=2.0, floor=0.05, **LEVELS).verdict is Verdict.SAME


def test_zero_stages_on_both_sides_are_same_and_never_divide_by_zero():
    change = judge([0.0] * 5, [0.0] * 5, threshold_pct=2.0, floor=0.05, **LEVELS)
    assert change.verdict is Verdict.SAME
    assert change.percent == 0.0


def test_family_levels_add_up_to_alpha():
    design = Design(frame_quantities=6, other_quantities=46, looks=4)
    total = 6 * design.detection_alpha(frame=True) + 46 * design.detection_alpha(frame=False)
    assert total * design.looks == pytest.approx(ALPHA)


def _aa_family_marks_anything(rng: random.Random, design: Design, pairs: int) -> bool:
    """One simulated A/A comparison: does any quantity of the family come out real?"""
    for i in range(design.frame_quantities + design.other_quantities):
        base = rounds(rng, pairs, 10.0, 5)
        head = rounds(rng, pairs, 10.0, 5)
        frame = i < design.frame_quantities
        change = judge(
            base,
            head,
            detection_alpha=design.detection_alpha(frame=frame),
            equivalence_alpha=design.equivalence_alpha,
            threshold_pct=2.0,
        )
        if change.significant:
            return True
    return False


def test_an_aa_family_is_called_real_at_most_alpha_of_the_time():
    # 52 quantities (6 pipelines' frame, IPC and stages), 5 pairs, noise 5% per round.
    rng = random.Random(2026)
    design = Design(frame_quantities=6, other_quantities=46)
    trials = 300
    marked = sum(_aa_family_marks_anything(rng, design, pairs=5) for _ in range(trials))
    assert marked / trials <= ALPHA + 0.03  # 0.05 plus Monte Carlo error (sd 0.013)
    # The simulation can tell: without the family correction (5% per quantity) the same
    # data marks something in most comparisons (1 - 0.95**52 = 93%).
    marked_loose = sum(_aa_family_marks_anything(rng, PerQuantity(), pairs=5) for _ in range(40))
    assert marked_loose >= 30


class PerQuantity(Design):
    """Each quantity at 5% on its own: what a rule without family control does."""

    def __init__(self) -> None:
        super().__init__(frame_quantities=6, other_quantities=46)

    def detection_alpha(self, *, frame: bool) -> float:
        return 0.05


def test_the_t_distribution_holds_to_scipy_everywhere_the_verdicts_go():
    from scipy.special import stdtr, stdtrit

    rng = random.Random(3)
    for _ in range(500):
        df, x = rng.randint(1, 60), rng.uniform(-40, 40)
        assert t_cdf(x, df) == pytest.approx(float(stdtr(df, x)), abs=1e-12)
    for df in (1, 2, 4, 7, 13, 100):
        for p in (0.01, 0.5, 0.8, 0.95, 0.975, 0.999, 0.99999, 1 - 1e-7):
            assert t_quantile(p, df) == pytest.approx(float(stdtrit(df, p)), rel=1e-8)
    with pytest.raises(ValueError):
        t_quantile(1.0, 4)


def test_ratios_that_underflow_a_float_are_no_exception():
    # 5e-324 / 0.95 is 0.0 in floats: the log of the ratio must come from the logs.
    change = paired_change([0.95, 0.95, 1.0], [5e-324, 5e-324, 1.0], alpha=0.05)
    assert change is not None and change.estimate_pct < 0
    assert judge([5e-324] * 3, [0.95] * 3, threshold_pct=2.0, **LEVELS).verdict == "slower"
