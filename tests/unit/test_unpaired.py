"""Separate runs judged as two samples: Welch's interval, held to scipy, and its rule."""

import math
import random

import pytest
from scipy import optimize
from scipy import stats as scipy_stats

from perfwaterfall.analysis.comparison import compare_family
from perfwaterfall.analysis.power import median_unbiased_sd
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.analysis.unpaired import judge_unpaired, welch_change, welch_df
from perfwaterfall.analysis.verdict import Design, judge
from tests.unit.builders import rounds as pipeline_rounds

LEVELS = {"detection_alpha": 0.001, "equivalence_alpha": 0.1}


def sample(rng: random.Random, n: int, mean: float, sd_pct: float) -> list[float]:
    return [mean * math.exp(rng.gauss(0, sd_pct / 100)) for _ in range(n)]


@pytest.mark.parametrize(
    ("seed", "n_base", "n_head", "sd_base", "sd_head", "alpha"),
    [
        (1, 5, 5, 1.0, 1.0, 0.05),
        (2, 8, 5, 0.5, 4.0, 0.05),  # unequal sizes and spreads: the df matter
        (3, 5, 12, 6.0, 0.8, 0.001),  # a family-corrected level
        (4, 3, 9, 2.0, 2.0, 0.1),  # the equivalence level
    ],
)
def test_the_interval_is_scipys_welch_on_log_round_medians(
    seed, n_base, n_head, sd_base, sd_head, alpha
):
    rng = random.Random(seed)
    base = sample(rng, n_base, 20.0, sd_base)
    head = sample(rng, n_head, 20.6, sd_head)
    change = welch_change(base, head, alpha=alpha)
    assert change is not None
    reference = scipy_stats.ttest_ind(
        [math.log(v) for v in head], [math.log(v) for v in base], equal_var=False
    )
    low, high = reference.confidence_interval(1 - alpha)
    assert change.low_pct == pytest.approx(math.expm1(low) * 100, rel=1e-8)
    assert change.high_pct == pytest.approx(math.expm1(high) * 100, rel=1e-8)
    assert change.p_value == pytest.approx(reference.pvalue, rel=1e-8)
    mean = sum(map(math.log, head)) / n_head - sum(map(math.log, base)) / n_base
    assert change.estimate_pct == pytest.approx(math.expm1(mean) * 100, rel=1e-9)
    assert change.level == 1 - alpha and change.pairs == 0


def test_welch_degrees_of_freedom_are_scipys():
    rng = random.Random(5)
    for _ in range(50):
        nb, nh = rng.randint(2, 12), rng.randint(2, 12)
        b, h = sample(rng, nb, 10, rng.uniform(0.2, 8)), sample(rng, nh, 10, rng.uniform(0.2, 8))
        vb, vh = scipy_stats.tvar(b), scipy_stats.tvar(h)
        assert welch_df(vb, nb, vh, nh) == pytest.approx(
            scipy_stats.ttest_ind(h, b, equal_var=False).df, rel=1e-10
        )


def test_the_detectable_change_is_quoted_at_the_intervals_df():
    rng = random.Random(6)
    base, head = sample(rng, 8, 20.0, 0.5), sample(rng, 5, 20.0, 4.0)
    change = welch_change(base, head, alpha=0.01)
    assert change is not None
    log_b, log_h = [math.log(v) for v in base], [math.log(v) for v in head]
    se = math.sqrt(scipy_stats.tvar(log_b) / 8 + scipy_stats.tvar(log_h) / 5)
    df = scipy_stats.ttest_ind(log_h, log_b, equal_var=False).df
    # the noncentral t at 80% power, at Welch's df, with the median-unbiased sd
    t_crit = scipy_stats.t.ppf(1 - 0.005, df)

    def power(nc: float) -> float:  # the lower tail is under 1e-6 here (and NaN in scipy)
        return scipy_stats.nct.sf(t_crit, df, nc) - 0.8

    nc = optimize.brentq(power, 0.0, 12.0)
    expected = nc * median_unbiased_sd(se, df)
    assert change.detectable_pct == pytest.approx(math.expm1(expected) * 100, rel=1e-4)


def test_order_of_rounds_does_not_matter_unlike_pairing():
    drift = [1.0, 1.05, 1.1, 1.2, 1.3, 1.15]
    base = [20.0 * d for d in drift]
    head = [20.0 * 1.03 * d for d in drift]
    forward = judge_unpaired(base, head, threshold_pct=2.0, **LEVELS)
    backward = judge_unpaired(base, head[::-1], threshold_pct=2.0, **LEVELS)
    assert forward.detection == backward.detection
    # Paired, the same numbers say 'slower' for sure: the drift they share cancels. Apart,
    # nothing was shared, and 3% inside 30% of drift cannot be told.
    assert judge(base, head, threshold_pct=2.0, **LEVELS).verdict is Verdict.SLOWER
    assert forward.verdict is Verdict.UNDECIDED


def test_every_round_of_both_sides_counts():
    rng = random.Random(8)
    base, head = sample(rng, 8, 20.0, 1.0), sample(rng, 5, 20.0, 1.0)
    change = welch_change(base, head, alpha=0.05)
    reference = scipy_stats.ttest_ind(
        [math.log(v) for v in head], [math.log(v) for v in base], equal_var=False
    )
    assert change is not None and change.p_value == pytest.approx(reference.pvalue, rel=1e-8)


def test_a_machine_offset_is_real_to_an_unpaired_rule():
    """What the warning is for: 4% between two machines is a real difference of the runs."""
    rng = random.Random(9)
    base, head = sample(rng, 5, 20.0, 0.5), sample(rng, 5, 20.8, 0.5)
    assert judge_unpaired(base, head, threshold_pct=2.0, **LEVELS).verdict is Verdict.SLOWER
    same = judge_unpaired(base, sample(rng, 5, 20.0, 0.5), threshold_pct=5.0, **LEVELS)
    assert same.verdict is Verdict.SAME


def test_an_aa_of_separate_runs_is_called_real_at_its_level():
    """Seeded: 2,000 A/A pairs of runs, 8 rounds at 1% noise against 5 at 4%, level 0.05.

    Welch's rule calls 5.2% of them real here. A pooled df (n_b + n_h - 2) calls 8.1%
    and a normal quantile more: both fail the upper bound (0.05 + 3 binomial standard
    errors). The test is seeded, so it cannot fail by chance.
    """
    rng = random.Random(10)
    trials, real = 2000, 0
    for _ in range(trials):
        base, head = sample(rng, 8, 20.0, 1.0), sample(rng, 5, 20.0, 4.0)
        change = welch_change(base, head, alpha=0.05)
        assert change is not None
        real += change.low_pct > 0 or change.high_pct < 0
    error = 3 * math.sqrt(0.05 * 0.95 / trials)
    assert 0.05 - error < real / trials < 0.05 + error


def test_separate_runs_are_judged_at_the_familys_levels():
    base = {"a": pipeline_rounds([1.0, 2.0, 20.0, 2.0, 1.0], seed=1)}
    head = {"a": pipeline_rounds([1.0, 2.0, 20.8, 2.0, 1.0], seed=2)}
    family = [(base["a"], head["a"])]
    comparison = compare_family(family, threshold_pct=2.0, paired=False)
    design = Design(frame_quantities=1, other_quantities=6)
    assert comparison.design == design and not comparison.paired
    sc = comparison.scenarios[0]
    assert sc.frame.detection is not None and sc.frame.detection.pairs == 0
    assert sc.frame.detection.level == pytest.approx(1 - design.detection_alpha(frame=True))
    stage = sc.stage("Detector")
    assert stage is not None and stage.change is not None and stage.change.detection is not None
    # a stage starts from its share and gains its frame's when the frame is found real
    alpha = 1 - stage.change.detection.level
    assert design.detection_alpha(frame=False) - 1e-12 <= alpha <= design.alpha_per_look + 1e-12
    assert stage.change.equivalence is not None
    assert stage.change.equivalence.level == pytest.approx(1 - design.equivalence_alpha)
    paired = compare_family(family, threshold_pct=2.0)
    assert paired.paired and paired.scenarios[0].frame.detection.pairs == 5


def test_too_few_rounds_or_a_zero_base_have_no_interval():
    assert welch_change([1.0], [1.0, 2.0], alpha=0.05) is None
    assert welch_change([0.0, 0.0], [0.0, 0.0], alpha=0.05) is None
    new_cost = judge_unpaired(
        [0.0, 0.0, 0.0], [0.5, 0.6, 0.4], floor=0.05, threshold_pct=2, **LEVELS
    )
    assert new_cost.verdict is Verdict.SLOWER
    nothing = judge_unpaired([0.0, 0.0, 0.0], [0.01, 0.0], floor=0.05, threshold_pct=2, **LEVELS)
    assert nothing.verdict is Verdict.SAME


def test_constant_rounds_give_a_point_interval():
    change = welch_change([10.0] * 4, [11.0] * 3, alpha=0.05)
    assert change is not None
    assert change.low_pct == pytest.approx(10.0) and change.high_pct == pytest.approx(10.0)
    assert change.p_value == 0.0
