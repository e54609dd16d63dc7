"""The bisect probe rule: symmetric, read at the level of the one quantity it follows,
and, over whole seeded searches, naming the culprit without naming wrong commits."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

import pytest

from perfwaterfall.analysis.comparison import compare_scenario
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.analysis.verdict import Design, judge
from perfwaterfall.history import probe_rule
from perfwaterfall.history.bisect import Bisection
from perfwaterfall.history.cache import CacheKey, MeasurementCache
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.probe_rule import ProbeLevels, decide, judge_rounds, probe_levels
from perfwaterfall.history.quantity import FRAME, IPC, Quantity
from perfwaterfall.history.search import Outcome
from perfwaterfall.history.sessions import SessionSettings
from perfwaterfall.protocol.document import Stage
from perfwaterfall.store.machine import MachineInfo
from tests.helpers.bisect_sim import simulate
from tests.unit.builders import round_result, rounds

S, F, U, X = Verdict.SLOWER, Verdict.FASTER, Verdict.UNDECIDED, Verdict.SAME


def _change(verdict: Verdict) -> Change:
    base = rounds([1.0, 2.0, 20.0, 2.0, 1.0], seed=1)
    change = compare_scenario(base, base, threshold_pct=2.0).frame
    return replace(change, verdict=verdict)


@pytest.mark.parametrize(
    ("vs_good", "vs_bad", "outcome"),
    [
        (S, S, Outcome.BAD),  # slower than GOOD (and these did not move off BAD)
        (S, U, Outcome.BAD),
        (S, X, Outcome.BAD),
        (U, S, Outcome.GOOD),  # BAD is slower than it: the symmetric half
        (F, S, Outcome.GOOD),
        (X, S, Outcome.GOOD),
        (X, U, None),  # "same as GOOD" is not read: BAD slower than it is always easier
        (X, X, None),
        (U, U, None),  # neither: more rounds, then a skip; never good by default
        (U, X, None),
        (F, U, None),  # faster than GOOD is not "same": it says nothing of the regression
        (F, F, None),
    ],
)
def test_a_probe_is_bad_when_slower_than_good_and_good_when_bad_is_slower(vs_good, vs_bad, outcome):
    assert decide(_change(vs_good), _change(vs_bad)) is outcome


def test_a_probe_without_the_quantity_is_undecided():
    assert decide(None, None) is None


def _moved(verdict: Verdict, estimate_pct: float, p_value: float) -> Change:
    """A change of ``estimate_pct`` whose uncorrected two-sided p is ``p_value``."""
    change = _change(verdict)
    assert change.detection is not None
    moved = replace(change.detection, estimate_pct=estimate_pct, p_value=p_value)
    return replace(change, detection=moved)


def test_a_probe_between_two_steps_is_neither_good_nor_bad():
    # 1.5% above GOOD and 1.5% below BAD: off both ends, so it goes with neither.
    assert decide(_moved(U, 1.5, 0.01), _moved(S, 1.5, 1e-6)) is None
    assert decide(_moved(S, 1.5, 1e-6), _moved(U, 1.5, 0.01)) is None
    assert decide(_moved(S, 1.5, 1e-6), _moved(S, 1.5, 1e-6)) is None


def test_a_probe_a_little_off_one_end_still_goes_with_it():
    # An unrelated 0.3% before a 9.7% regression: nearer GOOD by far.
    assert decide(_moved(S, 0.3, 1e-6), _moved(S, 9.7, 1e-9)) is Outcome.GOOD
    assert decide(_moved(S, 9.7, 1e-9), _moved(S, 0.3, 1e-6)) is Outcome.BAD


@pytest.mark.parametrize(
    ("p_value", "moved_off"),
    [
        (probe_rule.GUARD_ALPHA * 0.9, True),
        (probe_rule.GUARD_ALPHA * 1.1, False),
        (0.09, True),  # the guard's level is 10%, uncorrected: not a corrected one
        (0.11, False),
    ],
)
def test_the_guard_is_read_at_its_lenient_level(p_value, moved_off):
    vs_good = _moved(U, 2.0, p_value)
    assert (decide(vs_good, _moved(S, 3.0, 1e-6)) is None) is moved_off
    assert (decide(_moved(S, 3.0, 1e-6), vs_good) is None) is moved_off


@pytest.mark.parametrize(("share", "moved_off"), [(0.49, False), (0.51, True)])
def test_the_guard_needs_half_of_what_remains_to_the_other_end(share, moved_off):
    assert probe_rule.LEFT_SHARE == 0.5
    vs_good = _moved(U, share * 4.0, 0.001)
    assert (decide(vs_good, _moved(S, 4.0, 1e-6)) is None) is moved_off
    assert (decide(_moved(S, 4.0, 1e-6), vs_good) is None) is moved_off


def test_the_levels_split_one_search_budget_over_reads_probes_and_looks():
    # 16 commits need 4 probes; 2 verdicts are read per probe; 5 looks of auto rounds.
    levels = probe_levels(16, RoundsPolicy.auto(17).looks)
    one_sided = probe_rule.SEARCH_ALPHA / (2 * 4 * 5)
    assert levels.detection_alpha == pytest.approx(2 * one_sided)
    assert levels.equivalence_alpha == pytest.approx(2 * one_sided)
    assert probe_levels(16, 5).detection_alpha == pytest.approx(
        probe_levels(16, 1).detection_alpha / 5
    )
    assert [probe_rule.planned_probes(n) for n in (1, 2, 3, 16, 17, 1000)] == [1, 1, 2, 4, 5, 10]


@pytest.mark.parametrize("quantity", [FRAME, IPC, "Detector"])
def test_a_quantity_is_judged_from_its_rounds_exactly_as_compare_judges_it(quantity):
    """Bisect reduces rounds to the values and margin compare judges; its own verdict then
    comes at the one quantity's level (compare's family moderates and gatekeeps instead)."""
    base = rounds([1.0, 2.0, 20.0, 2.0, 1.0], n=6, jitter=0.3, seed=3)
    head = rounds([1.0, 2.2, 20.6, 2.0, 1.0], n=6, jitter=0.3, seed=4)
    design = Design(frame_quantities=1, other_quantities=6)
    followed = Quantity("4k_raw", quantity)
    levels = ProbeLevels(design.detection_alpha(frame=quantity == FRAME), design.equivalence_alpha)
    threshold, floor = followed.margin(base, 2.0)
    mine = judge_rounds(
        followed.per_round(base),
        followed.per_round(head),
        levels=levels,
        threshold_pct=threshold,
        floor=floor,
    )
    theirs = followed.of(compare_scenario(base, head, threshold_pct=2.0))
    assert (mine.base, mine.head, mine.margin_pct) == (theirs.base, theirs.head, theirs.margin_pct)
    assert mine == judge(
        followed.per_round(base),
        followed.per_round(head),
        detection_alpha=levels.detection_alpha,
        equivalence_alpha=levels.equivalence_alpha,
        threshold_pct=threshold,
        floor=floor,
    )


class _Silent:
    def probed(self, probe: object, step: int) -> None:
        pass


def _commit(i: int) -> Commit:
    sha = f"{i:040x}"
    return Commit(sha, sha[:7], "2026-01-01T00:00:00+00:00", f"commit {i}")


@pytest.mark.parametrize("extra_stages", [0, 40])
def test_a_probe_is_read_at_the_level_of_one_quantity_however_many_stages(tmp_path, extra_stages):
    """The rounds are in the cache already, so the probe is judged without measuring."""
    stages = (
        Stage("VideoIn", "filter"),
        Stage("Detector", "filter"),
        *(Stage(f"extra {i}", "filter") for i in range(extra_stages)),
    )
    rng = random.Random(extra_stages)

    def measured(detector_ms: float) -> list:
        return [
            round_result(
                [1.0, detector_ms * math.exp(rng.gauss(0, 0.005)), *[3.0] * extra_stages],
                name="pipe",
                stages=stages,
            )
            for _ in range(8)
        ]

    key = CacheKey(("bench",), None, 5, 0, MachineInfo("cpu", 2, "3.11", "2", "27", "Linux"))
    cache = MeasurementCache(tmp_path, key)
    commits = [_commit(i) for i in range(17)]
    good, probe, bad = commits[0], commits[8], commits[16]
    for commit, ms in ((good, 20.0), (probe, 20.0), (bad, 22.0)):
        cache.add(commit.sha, "session", {"pipe": measured(ms)})
    policy = RoundsPolicy.auto(probe_rule.MAXIMUM_ROUNDS)
    search = Bisection(
        settings=SessionSettings(Path("/nonexistent"), 5, 0, 2.0, None, 60.0),
        cache=cache,
        policy=policy,
        good=good,
        bad=bad,
        commits=commits[1:],
        quantity=Quantity("pipe", "Detector"),
        observer=_Silent(),
    )
    found = search.probe(probe)
    assert found.outcome is Outcome.GOOD and found.rounds == 8
    expected = 1 - probe_levels(16, policy.looks).detection_alpha
    assert found.vs_good is not None and found.vs_bad is not None
    assert found.vs_good.detection is not None and found.vs_bad.detection is not None
    assert found.vs_good.detection.level == pytest.approx(expected)
    assert found.vs_bad.detection.level == pytest.approx(expected)
    assert found.vs_bad.verdict is Verdict.SLOWER


def test_whole_searches_name_the_culprit_alone_and_almost_never_a_wrong_commit():
    """400 seeded searches over 16 commits, per-round sd 3%, +10% at a random commit.

    Under the rule before (good only when same as or faster than GOOD, levels over every
    stage of both comparisons, 8 rounds at most) the culprit is named alone in 5.8% of
    these; under a lenient rule (good when merely not slower than GOOD) a wrong commit
    in 94.8%. This rule names it alone in more than 99.95% and a wrong commit in 0 of
    10,000 (benchmarks/bisect_simulated.py --searches 10000 --seed 7). Deterministic at
    this seed; reseeded, the bars fail with probability below 1 in 1,000 (binomial
    tails: more than 6 wrong of 400 at a true 0.3% is 2.4e-4; fewer than 360 alone, far
    less).
    """
    figures = simulate(400, seed=2201)
    assert figures.alone >= 360, figures.summary()
    assert figures.wrong <= 6, figures.summary()
    assert figures.probes / figures.searches < 5, figures.summary()  # log2(16) = 4, and few skips


def test_two_steps_under_the_threshold_leave_a_range_holding_both():
    """20 -> 20.3 -> 20.6 ms as in test_bisect_cli (9 commits after GOOD, +1.5% at index
    3 and again at 6, 3 rounds, per-round sd 0.1%): the commits between the steps are
    off both ends, so no single commit is named and the range holds both steps. Without
    the guard (good whenever BAD is slower) the answer leaves a step out in 2 of 3
    searches at sd 0.2%. Reseeded, this rule misses in 0 of 10,000 searches at sd 0.15%
    and 6 of 10,000 at 0.2%; more than 2 misses of 300 has probability about 1e-4."""
    figures = simulate(
        300,
        seed=2203,
        commits=9,
        sd=0.001,
        step=0.015,
        culprit=3,
        later_steps=[(6, 0.015)],
        policy=RoundsPolicy.fixed(3),
    )
    assert figures.hold_every_step >= 298, figures.summary()
    assert figures.alone + figures.wrong_alone <= 2, figures.summary()
