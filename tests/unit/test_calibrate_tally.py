"""Calibration counts every verdict a reader could act on, sub-stages included."""

from perfwaterfall.analysis.comparison import compare_family
from perfwaterfall.calibrate.tally import Tally, count_aa, count_injected, real_quantities
from tests.unit.builders import nested_rounds


def slower_serialize():
    return compare_family(
        [(nested_rounds(0.5, seed=1), nested_rounds(1.5, seed=1))], threshold_pct=2.0
    )


def test_a_false_alarm_on_a_sub_stage_counts_against_an_a_a_run():
    tally = Tally()
    count_aa(tally, slower_serialize())
    entry = tally.aa["4k_raw"]
    assert tally.aa_marking_anything == 1
    assert entry.false_quantities == 4  # frame, IPC, hop 1 and its serialize part
    assert entry.quantities == 1 + 1 + 5 + 2  # frame, IPC, stages, parts


def test_the_named_real_quantities_give_a_part_its_path():
    assert real_quantities(slower_serialize()) == [
        "4k_raw frame",
        "4k_raw IPC",
        "4k_raw hop 1",
        "4k_raw hop 1 > serialize",
    ]


def test_an_injected_stage_may_move_its_own_parts_but_nothing_else():
    own = Tally()
    count_injected(own, slower_serialize(), stage="hop 1")
    assert own.injected["4k_raw"].target_slower == 1
    assert own.injected["4k_raw"].false_quantities == 0

    other = Tally()
    count_injected(other, slower_serialize(), stage="Detector")
    assert other.injected["4k_raw"].false_quantities == 2
