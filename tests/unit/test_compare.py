import math
import random

import pytest

from perfwaterfall.analysis.comparison import compare_scenario, summarize_round
from perfwaterfall.protocol.document import Stage
from tests.unit.builders import PIPELINE, round_result, rounds


def test_round_summary_uses_medians_of_frame_sums():
    r = round_result([1.0, 2.0, 3.0, 4.0, 5.0], frames=3)
    s = summarize_round(r)
    assert s.frame_ms == pytest.approx(15.0)
    assert s.ipc_ms == pytest.approx(6.0)
    assert s.stage_ms["Detector"] == pytest.approx(3.0)


def test_a_two_ms_slowdown_of_one_stage_is_real_and_nothing_else_is():
    base = rounds([0.02, 6.5, 20.1, 6.6, 0.02], seed=1)
    head = rounds([0.02, 6.5, 22.1, 6.6, 0.02], seed=2)
    sc = compare_scenario(base, head, threshold_pct=2.0)
    marked = {s.name for s in sc.stages if s.change and s.change.significant}
    assert marked == {"Detector"}
    assert sc.stage("Detector").change.delta == pytest.approx(2.0, abs=0.1)
    assert sc.frame.significant and sc.frame.delta > 0
    assert not sc.ipc.significant


def test_a_ref_against_itself_marks_nothing():
    same = [0.02, 6.5, 20.1, 6.6, 0.02]
    sc = compare_scenario(rounds(same, seed=1), rounds(same, seed=2), threshold_pct=2.0)
    assert not any(s.change.significant for s in sc.stages)
    assert not sc.frame.significant


def test_per_hop_and_fps_are_derived():
    sc = compare_scenario(
        rounds([0.0, 17.5, 20.0, 17.5, 0.0], jitter=0),
        rounds([0.0, 6.5, 20.0, 6.5, 0.0], jitter=0),
        threshold_pct=2.0,
    )
    assert sc.per_hop("base") == pytest.approx(17.5)
    assert sc.per_hop("head") == pytest.approx(6.5)
    assert sc.base_fps == pytest.approx(1000 / 55.0)
    assert sc.head_fps == pytest.approx(1000 / 33.0)


def test_a_stage_only_one_side_has_is_kept_in_frame_order_without_a_verdict():
    head_stages = (*PIPELINE[:3], Stage("Tracker", "filter"), *PIPELINE[3:])
    base = rounds([0.0, 6.5, 20.0, 6.5, 0.0])
    head = rounds([0.0, 6.5, 20.0, 5.0, 6.5, 0.0], stages=head_stages)
    sc = compare_scenario(base, head, threshold_pct=2.0)
    assert [s.name for s in sc.stages] == [
        "VideoIn",
        "hop 1",
        "Detector",
        "Tracker",
        "hop 2",
        "Sink",
    ]
    tracker = sc.stage("Tracker")
    assert (
        tracker.change is None
        and tracker.base_ms is None
        and tracker.head_ms == pytest.approx(5.0, abs=0.1)
    )


def test_a_stage_removed_in_head_stays_where_it_was():
    head_stages = (PIPELINE[0], PIPELINE[1], PIPELINE[4])
    base = rounds([0.0, 6.5, 20.0, 6.5, 0.0])
    head = rounds([0.0, 6.5, 0.0], stages=head_stages)
    sc = compare_scenario(base, head, threshold_pct=2.0)
    assert [s.name for s in sc.stages] == ["VideoIn", "hop 1", "Detector", "hop 2", "Sink"]
    assert sc.stage("Detector").head_ms is None


def _noisy_rounds(rng, stage_ms, n, sd, frames=5):
    """Rounds whose every stage varies by ``sd`` (log) from round to round, on its own."""
    return [
        round_result([v * math.exp(rng.gauss(0, sd)) for v in stage_ms], frames=frames, seed=i)
        for i in range(n)
    ]


def test_a_slowdown_near_what_the_rounds_can_detect_is_found_and_only_there():
    # 8 rounds, 1.5% noise per stage and round: the Detector +3% (frame +1.1%) is about
    # four standard errors, not forty. Found in 17 of these 20 seeded compares (a rule
    # at a tenth of its level finds it in far fewer), while the other stages,
    # unchanged, are marked in none.
    stage_ms = [0.5, 6.5, 20.0, 6.6, 0.5]
    slower = [0.5, 6.5, 20.6, 6.6, 0.5]
    rng = random.Random(17)
    found = others = 0
    for _ in range(20):
        base = _noisy_rounds(rng, stage_ms, 8, 0.015)
        head = _noisy_rounds(rng, slower, 8, 0.015)
        sc = compare_scenario(base, head, threshold_pct=2.0)
        found += sc.stage("Detector").change.verdict == "slower"
        others += any(s.change.significant for s in sc.stages if s.name != "Detector" and s.change)
    assert found >= 14
    assert others <= 1
