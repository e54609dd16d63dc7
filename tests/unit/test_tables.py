"""The table model holds exactly what every rendering shows, and each markup draws it one way."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from perfwaterfall.analysis.build import build_sweep
from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.export import markdown
from perfwaterfall.present import (
    change_cells,
    gain_bar,
    pipeline_summary,
    run_table,
    sweep_by_value,
    tables,
)
from perfwaterfall.present.tables import Column, Gain, Mark, Name, Table, Value
from perfwaterfall.render import summary
from perfwaterfall.store.bundle import BundleSide
from tests.unit.builders import ladder_bundle, ladder_comparison, ref


def test_summary_of_the_ladder_holds_every_cell():
    comparison = ladder_comparison()
    table = pipeline_summary.summary(comparison)
    assert [c.header for c in table.columns] == [
        "Pipeline",
        "Frame time",
        "IPC / frame",
        "Per hop",
        "Max fps",
        "Frame time change",
    ]
    assert table.caption == "geomean frame time across 2 pipelines: 0.776x (-22.4%)"
    largest = abs(comparison.scenarios[0].frame.percent)
    same = abs(comparison.scenarios[1].frame.percent)
    assert table.rows == (
        (
            Name("4k_raw", "4K native, 2 filters, raw"),
            Value("55.0", "33.4", "-39.5%", "faster"),
            Value("34.9", "13.2", "-62.4%", "faster"),
            Value("17.4", "6.58", "-62.4%", "faster"),
            Value("18.2", "29.9", "+64.7%", "faster"),
            Gain("faster", largest, largest, "-40.2% … -38.8%"),
        ),
        (
            Name("480p_raw", "480p, 3 filters, raw"),
            Value("12.1", "12.1", "~ -0.3%", "same"),
            Value("0.903", "0.879", "~ -1.9%", "same"),
            Value("0.301", "0.293", "~ -1.9%", "same"),
            Value("82.5", "82.8", "~ +0.5%", "same"),
            Gain("same", same, largest, "±0.6%", "detects ≥0.8%"),
        ),
    )


def test_per_hop_has_no_mark_when_the_hop_counts_differ():
    comparison = ladder_comparison()
    sc = replace(comparison.scenarios[0], head_hops=1)
    row = pipeline_summary.summary(Comparison((sc,), comparison.threshold_pct)).rows[0]
    assert row[3] == Value("17.4", "13.2")
    assert pipeline_summary.summary(Comparison((sc,), 2.0)).caption == ""  # no geomean of one


def test_sweep_rows_are_each_value_against_the_first():
    bundle = ladder_bundle()
    base, head = bundle.sides
    sides = tuple(
        BundleSide(f"v{i}", ref("HEAD", "d4e5f6a", "s"), {"T": value}, side.rounds)
        for i, (value, side) in enumerate([("copy", base), ("nocopy", head), ("copy", base)])
    )
    sweep = build_sweep(replace(bundle, sides=sides), key="T", threshold_pct=2.0)
    first, second = sweep_by_value.sweep(sweep)
    assert first.title == "4k_raw · 4K native, 2 filters, raw · sweep of T"
    assert first.columns[0].header == "T"
    assert first.rows == (
        (
            *map(Value, ("copy", "55.0", "34.9", "17.4", "18.2")),
            Mark("baseline", tables.BASELINE),
            Mark("baseline", tables.BASELINE),
        ),
        (
            *map(Value, ("nocopy", "33.4", "13.2", "6.58", "29.9")),
            Mark("-21.7 ms -62.4%", "faster"),
            Mark("-21.6 ms -39.5%", "faster"),
        ),
        (
            *map(Value, ("copy", "55.0", "34.9", "17.4", "18.2")),
            Mark("~ +0.000 ms 0.0%", "same"),
            Mark("~ +0.000 ms 0.0%", "same"),
        ),
    )
    assert second.rows[1][-2:] == (
        Mark("~ -0.023 ms -1.9%", "same"),
        Mark("~ -0.054 ms -0.3%", "same"),
    )


def test_one_side_is_medians_without_changes():
    bundle = ladder_bundle()
    table = run_table.side(replace(bundle, sides=bundle.sides[:1]))
    assert table.title == "main a1b2c3d · 5 frames × 5 rounds"
    assert table.rows == (
        (Name("4k_raw"), *map(Value, ("55.0", "34.9", "17.4", "18.2"))),
        (Name("480p_raw"), *map(Value, ("12.1", "0.903", "0.301", "82.5"))),
    )


def test_fps_gain_is_max_fps_after_against_before():
    sc = ladder_comparison().scenarios[0]
    assert change_cells.fps_gain(sc) == pytest.approx((sc.head_fps / sc.base_fps - 1) * 100)
    assert change_cells.mark(change_cells.fps_gain(sc), sc.frame) == "+64.7%"
    assert change_cells.fps_gain(replace(sc, frame=_frame_of(sc, 0.0, 5.0))) == 0.0
    assert change_cells.fps_gain(replace(sc, frame=_frame_of(sc, 5e-324, 5e-324))) == 0.0


def _frame_of(sc, base_ms: float, head_ms: float):
    """The frame change with these medians and no paired interval (as from a 0 ms base)."""
    frame = sc.frame
    return replace(
        frame,
        base=replace(frame.base, median=base_ms),
        head=replace(frame.head, median=head_ms),
        detection=None,
        equivalence=None,
        verdict=Verdict.SLOWER if head_ms > base_ms else frame.verdict,
    )


def test_the_gain_bar_is_finite_and_never_longer_than_its_axis():
    sc = ladder_comparison().scenarios[0]
    new = _frame_of(sc, 0.0, 5.0)
    assert math.isinf(new.percent)
    assert gain_bar.gain(new, 10.0) == Gain("slower", 10.0, 10.0)
    assert gain_bar.gain(sc.frame, 50.0) == Gain(
        "faster", abs(sc.frame.percent), 50.0, "-40.2% … -38.8%"
    )
    huge = gain_bar.gain(sc.frame, 1e308)
    assert (
        math.isfinite(128 * huge.scale) and huge.size / huge.scale == abs(sc.frame.percent) / 1e308
    )


def test_the_bar_axis_ignores_new_and_has_a_floor():
    comparison = ladder_comparison()
    sc = comparison.scenarios[0]
    with_new = Comparison((sc, replace(sc, frame=_frame_of(sc, 0.0, 5.0))), 2.0)
    assert gain_bar.gain_scale(with_new) == abs(sc.frame.percent)
    assert gain_bar.gain_scale(Comparison((comparison.scenarios[1],), 2.0)) == 10.0
    assert gain_bar.gain_scale(Comparison((), 0.0)) == 1.0


def test_every_verdict_has_a_style_and_a_markup():
    verdicts = {*(v.value for v in Verdict), tables.BASELINE}
    assert set(summary.VERDICTS) == verdicts
    assert set(markdown.VERDICTS) == verdicts


def test_rich_draws_values_stacked_when_compact_and_the_bar_with_its_verdict():
    table = Table(
        "t",
        (tables.PIPELINE, tables.FRAME, tables.GAIN),
        (
            (
                Name("a  b", "lab\nel"),
                Value("1.00", "2.00", "+100.0%", "slower"),
                Gain("slower", 1, 2),
            ),
        ),
    )
    wide = summary.rich_table(table)
    compact = summary.rich_table(table, compact=True)
    assert [str(c.header) for c in compact.columns] == ["Pipeline", "Frame time", "Change"]
    name, value, bar = (column._cells[0] for column in wide.columns)
    assert name.plain == "a b\nlab el"
    assert value.plain == "1.00 → 2.00\n+100.0%"
    assert bar.plain == "████████         slower"
    name, value, bar = (column._cells[0] for column in compact.columns)
    assert (name.plain, value.plain, bar.plain) == ("a b", "1.00\n→ 2.00\n+100.0%", "███    slower")


def test_markdown_puts_units_in_headers_and_shows_a_repeated_change_once():
    table = Table(
        "ignored",
        (Column("T", "left"), tables.FRAME, tables.PER_HOP, tables.GAIN, Column("vs", "left")),
        (
            (
                Name("a|b", "x_y"),
                Value("1.00", "2.00", "+100.0%", "slower"),
                Value("0.500", "1.00", "+100.0%", "slower"),
                Gain("slower", 1, 1),
                Mark("~ +0.1 ms", "same"),
            ),
        ),
    )
    assert markdown.table_markdown(table) == [
        "| T | Frame time (ms) | Per hop (ms) | Verdict | vs |",
        "|---|---:|---:|---|---|",
        "| **a\\|b**<br>x\\_y | 1.00 → 2.00 (**+100.0%**) | 0.500 → 1.00 | **slower** "
        "| \\~ +0.1 ms |",
    ]
