"""The comparison's main table: one row per pipeline, before → after, with its bar."""

from __future__ import annotations

from perfwaterfall.analysis.comparison import Comparison, ScenarioComparison
from perfwaterfall.present import numbers
from perfwaterfall.present.change_cells import change_value, fps_gain, mark
from perfwaterfall.present.gain_bar import gain, gain_scale
from perfwaterfall.present.tables import (
    FRAME,
    GAIN,
    IPC,
    MAX_FPS,
    PER_HOP,
    PIPELINE,
    Cell,
    Name,
    Table,
    Value,
    has_hops,
    without_pipeline_columns,
)


def geomean_text(comparison: Comparison) -> str | None:
    """'0.777x (-22.3%)' across two or more pipelines; None when there is nothing to sum up."""
    ratio = comparison.geomean_ratio
    if ratio is None or len(comparison.scenarios) < 2:
        return None
    return f"{ratio:.3f}x ({numbers.percent((ratio - 1) * 100)})"


def summary(comparison: Comparison, *, busy: bool = False) -> Table:
    """Per pipeline: frame time, IPC, per hop and max fps before → after, and a gain bar.

    ``busy``: the machine was busy; every verdict but *same* says so beside it. Separate
    runs that were not alike (comparison.caveat) say so beside every verdict.
    """
    scale = gain_scale(comparison)
    geomean = geomean_text(comparison)
    caption = ""
    if geomean is not None:
        count = len(comparison.scenarios)
        caption = f"geomean frame time across {count} pipelines: {geomean}"
    table = Table(
        title="Per pipeline (ms, medians of round medians)",
        columns=(PIPELINE, FRAME, IPC, PER_HOP, MAX_FPS, GAIN),
        rows=tuple(_summary_row(sc, scale, busy, comparison.caveat) for sc in comparison.scenarios),
        caption=caption,
    )
    return table if has_hops(comparison) else without_pipeline_columns(table)


def _summary_row(sc: ScenarioComparison, scale: float, busy: bool, caveat: str) -> tuple[Cell, ...]:
    frame, ipc = sc.frame, sc.ipc
    same_hops = sc.base_hops == sc.head_hops
    return (
        Name(sc.name, sc.label),
        change_value(frame.base.median, frame.head.median, frame),
        change_value(ipc.base.median, ipc.head.median, ipc),
        change_value(sc.per_hop("base"), sc.per_hop("head"), ipc if same_hops else None),
        Value(
            numbers.fps(sc.base_fps),
            numbers.fps(sc.head_fps),
            mark(fps_gain(sc), frame),
            numbers.verdict(frame),
        ),
        gain(frame, scale, busy=busy, caveat=caveat),
    )
