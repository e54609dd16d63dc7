"""The decision rule on seeded synthetic rounds whose answer is known."""

import math
import random

import pytest
from scipy import stats as scipy_stats

from perfwaterfall.analysis import verdict
from perfwaterfall.analysis.family import Quantity, judge_family
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


# Five pair log ratios with mean 0 and sd exactly 1: scaled and shifted, they give a
# t statistic chosen to the digit, so the verdict's level and df are pinned exactly.
UNIT = [-math.sqrt(1.6), -math.sqrt(0.4), 0.0, math.sqrt(0.4), math.sqrt(1.6)]


def _pairs(mean: float, sd: float) -> tuple[list[float], list[float]]:
    base = [20.0] * len(UNIT)
    return base, [20.0 * math.exp(mean + sd * z) for z in UNIT]


@pytest.mark.parametrize("sign", [1, -1])
def test_a_change_is_real_just_past_the_t_quantile_at_its_level_and_df(sign):
    # t quantile at 0.1% two-sided and 4 df is 8.61; at 5 df (a wrong df) 6.87; at 0.2%
    # (a lenient level) 7.17. Two percent either side of the right one decides.
    sd = 0.03
    bound = t_quantile(1 - LEVELS["detection_alpha"] / 2, 4) * sd / math.sqrt(5)
    past = judge(*_pairs(sign * bound * 1.02, sd), threshold_pct=2.0, **LEVELS)
    short = judge(*_pairs(sign * bound * 0.98, sd), threshold_pct=2.0, **LEVELS)
    assert past.verdict == ("slower" if sign > 0 else "faster")
    assert short.verdict is Verdict.UNDECIDED
    assert past.detection.df == 4 and past.detection.level == 0.999


def test_same_is_called_just_inside_the_margin_at_the_equivalence_level():
    sd = 0.01
    half = t_quantile(1 - LEVELS["equivalence_alpha"] / 2, 4) * sd / math.sqrt(5)
    margin = math.expm1(half) * 100
    assert judge(*_pairs(0.0, sd), threshold_pct=margin * 1.02, **LEVELS).verdict == "same"
    assert judge(*_pairs(0.0, sd), threshold_pct=margin * 0.98, **LEVELS).verdict == "undecided"


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
    """One simulated A/A comparison through the family's rule (moderated variances,
    gatekept levels): does any quantity come out real?"""
    quantities = []
    for p in range(design.frame_quantities):
        for k in range(1 + design.other_quantities // design.frame_quantities):
            sd = math.exp(rng.uniform(math.log(0.01), math.log(0.1)))
            base = [10.0 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            head = [10.0 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            quantities.append(Quantity(p, k == 0, base, head, 2.0))
    return any(c.significant for c in judge_family(quantities, design).changes)


def test_an_aa_family_is_called_real_at_most_alpha_of_the_time(monkeypatch):
    # The rule scales with ALPHA; at 0.5 a count of 300 families tells 0.5 from 0.7 (the
    # same excess as 5% against 7%), where at 0.05 it would take thousands. 4 pipelines
    # x 6 quantities, 5 pairs, noise 1-10% per round, drawn per quantity.
    monkeypatch.setattr(verdict, "ALPHA", 0.5)
    rng = random.Random(2026)
    design = Design(frame_quantities=4, other_quantities=20)
    trials = 300
    marked = sum(_aa_family_marks_anything(rng, design, pairs=5) for _ in range(trials))
    assert 0.25 <= marked / trials <= 0.5 + 0.06, marked  # Monte Carlo sd <= 0.029


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
