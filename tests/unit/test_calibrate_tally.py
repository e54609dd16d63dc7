"""Calibration counts every verdict a reader could act on, sub-stages included."""

import pytest

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


def test_the_aa_rate_bound_is_clopper_pearsons():
    from scipy.stats import beta

    from perfwaterfall.calibrate.components import clopper_pearson_upper

    assert clopper_pearson_upper(0, 10) == pytest.approx(1 - 0.05**0.1, abs=1e-9)  # 25.9%
    assert clopper_pearson_upper(0, 10, 0.975) == pytest.approx(0.3085, abs=1e-4)
    for hits, total in ((1, 10), (3, 20), (0, 40), (7, 9)):
        expected = beta.ppf(0.95, hits + 1, total - hits)
        assert clopper_pearson_upper(hits, total) == pytest.approx(expected, abs=1e-9)
    assert clopper_pearson_upper(10, 10) == 1.0


def test_noise_components_split_the_round_spread_into_what_frames_can_shrink():
    import math
    import random

    from perfwaterfall.calibrate.components import Components, components
    from tests.unit.builders import round_result

    rng = random.Random(4)
    stage_ms = [0.5, 6.5, 20.0, 6.6, 0.5]

    def side(jitter):
        return [
            round_result(
                [v * math.exp(rng.gauss(0, 0.03)) for v in stage_ms], jitter=jitter, seed=i
            )
            for i in range(8)
        ]

    steady = components(side(0.0), side(0.0))
    assert steady.frame_pct == 0 and steady.within_pct == 0
    assert steady.between_pct == pytest.approx(steady.round_pct)
    assert 1.0 < steady.round_pct < 4.0  # the frame averages five stages' 3% noise
    jittery = components(side(2.0), side(2.0))
    assert jittery.frame_pct > 3 and 0 < jittery.within_pct <= jittery.round_pct
    assert steady.best_frames() is None or steady.best_frames() == 1  # no jitter: 1 frame
    # Kalibera and Jones: sqrt(start-up / frame time * per-frame variance / between).
    c = Components(2.0, 2.2, 0.5, 2.0, 1.8, frame_ms=30.0, frames=20)
    expected = math.sqrt(600 / 30 * (math.sqrt(math.pi / 2) * 2.0) ** 2 / 2.0**2)
    assert c.best_frames() == round(expected)  # 6: fewer than the 20 run


def test_calibrate_prints_the_bound_and_the_noise():
    from rich.console import Console

    from perfwaterfall.calibrate.components import Components
    from perfwaterfall.render.calibrate import calibration_tables
    from perfwaterfall.render.theme import make_theme

    tally = Tally()
    for _ in range(10):
        count_aa(
            tally,
            compare_family(
                [(nested_rounds(0.5, seed=1), nested_rounds(0.5, seed=2))], threshold_pct=2.0
            ),
        )
    tally.noise["4k_raw"] = [Components(1.0, 2.5, 0.4, 2.47, 2.1, frame_ms=30.0, frames=20)]
    console = Console(width=160, record=True, theme=make_theme())
    for table in calibration_tables(tally, None, 0.0):
        console.print(table)
    text = console.export_text()
    assert f"{tally.aa_marking_anything} of 10, a rate of at most" in text
    assert "2.5%" in text and "2.1%" in text and "(ran 20)" in text
