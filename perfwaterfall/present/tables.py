"""Each table once, as data: what every cell says, not how it looks.

The terminal (render/summary.py) and markdown (export/markdown.py) only turn these
rows into their markup, so a column is changed here, once. Cells carry text already
formatted by present/numbers.py and a verdict key; each renderer maps that key to
its style or markup in one place, so a new verdict is one more entry there.
"""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import dataclass
from typing import Literal

from perfwaterfall.analysis.comparison import (
    Comparison,
    ScenarioComparison,
    StageChange,
    fps,
    summarize_round,
)
from perfwaterfall.analysis.report import SweepReport
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.present import numbers
from perfwaterfall.store.bundle import Bundle

# Beside a verdict measured while other processes competed for the CPUs.
BUSY = "busy machine"
# The verdict of a sweep's first row, which the others are measured against.
BASELINE = "baseline"
# Where bars stop growing: |change| at or past this many thresholds fills a bar,
# so an A/A run's 1% wobble draws a sliver, not a full bar.
BAR_FLOOR_THRESHOLDS = 5
# A bar's numbers stay below 2**this, so width * 8 * size cannot overflow.
_BAR_MAX_EXPONENT = 960


@dataclass(frozen=True)
class Column:
    """A column's header and alignment, and the few ways its markup may differ."""

    header: str
    align: Literal["left", "right"] = "right"
    unit: str = ""  # markdown says it in the header; the terminal's title says it once
    narrow: str = ""  # the header on a narrow terminal, when it has a shorter one
    text_header: str = ""  # the header where no bar is drawn: the cell is then its verdict
    wrap: bool = False  # names may wrap on a wide terminal; numbers never do
    repeats: bool = False  # its change repeats another column's: markdown shows it once


@dataclass(frozen=True)
class Name:
    """A pipeline as the harness named it; each markup makes it one line its own way."""

    name: str
    label: str = ""


@dataclass(frozen=True)
class Value:
    """A value (after is None for one side), or before → after with the change's mark."""

    before: str
    after: str | None = None
    mark: str = ""  # '-39.3%', '~ +0.4%'; empty when no change applies
    verdict: str = ""


@dataclass(frozen=True)
class Mark:
    """A change on its own, as text ('-11.0 ms -63.1%', 'baseline')."""

    text: str
    verdict: str


@dataclass(frozen=True)
class Gain:
    """The frame time's verdict, and a bar of ``size`` on an axis of ``scale``.

    Both are finite and size <= scale, whatever the comparison held: a change from
    zero ('new') fills the bar. ``interval`` is the bound behind the verdict ('±0.8%',
    '-1.0% … +6.0%'), ``detectable`` the smallest change these rounds could detect.
    """

    verdict: str
    size: float
    scale: float
    interval: str = ""
    detectable: str = ""


Cell = Name | Value | Mark | Gain


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


FRAME = Column("Frame time", unit="ms")
IPC = Column("IPC / frame", unit="ms")
PER_HOP = Column("Per hop", unit="ms", repeats=True)
MAX_FPS = Column("Max fps", repeats=True)
PIPELINE = Column("Pipeline", "left", wrap=True)
GAIN = Column("Frame time change", "left", narrow="Change", text_header="Verdict")
IPC_VS_FIRST = Column("IPC vs first", "left")
PIPELINE_ONLY = (IPC, PER_HOP, MAX_FPS, IPC_VS_FIRST)


def mark(pct: float, change: Change) -> str:
    """A percentage as a cell shows it: '-39.3%' real, '~ +0.4%' same, '? +2.1%' undecided."""
    return " ".join(filter(None, (numbers.verdict_mark(change), numbers.percent(pct))))


def fps_gain(sc: ScenarioComparison) -> float:
    """Max fps after against before, in percent; 0 when there is no rate to gain on."""
    if not sc.base_fps:
        return 0.0
    gain = (sc.head_fps / sc.base_fps - 1) * 100
    return 0.0 if math.isnan(gain) else gain  # both rates infinite: no gain


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


def has_hops(comparison: Comparison) -> bool:
    """Whether any pipeline has ``ipc`` stages: IPC, per hop and fps mean nothing without."""
    return any(sc.base_hops or sc.head_hops for sc in comparison.scenarios)


def without_pipeline_columns(table: Table) -> Table:
    """The table without its IPC, per-hop and fps columns (a harness that is no pipeline)."""
    keep = [i for i, c in enumerate(table.columns) if c not in PIPELINE_ONLY]
    return Table(
        title=table.title.replace("Per pipeline", "Per scenario"),
        columns=tuple(table.columns[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in table.rows),
        caption=table.caption.replace("pipelines", "scenarios"),
    )


def _summary_row(sc: ScenarioComparison, scale: float, busy: bool, caveat: str) -> tuple[Cell, ...]:
    frame, ipc = sc.frame, sc.ipc
    same_hops = sc.base_hops == sc.head_hops
    return (
        Name(sc.name, sc.label),
        _change_value(frame.base.median, frame.head.median, frame),
        _change_value(ipc.base.median, ipc.head.median, ipc),
        _change_value(sc.per_hop("base"), sc.per_hop("head"), ipc if same_hops else None),
        Value(
            numbers.fps(sc.base_fps),
            numbers.fps(sc.head_fps),
            mark(fps_gain(sc), frame),
            numbers.verdict(frame),
        ),
        gain(frame, scale, busy=busy, caveat=caveat),
    )


def _change_value(before: float | None, after: float | None, change: Change | None) -> Value:
    if change is None:
        return Value(numbers.ms(before), numbers.ms(after))
    return Value(
        numbers.ms(before),
        numbers.ms(after),
        mark(change.percent, change),
        numbers.verdict(change),
    )


def gain_scale(comparison: Comparison) -> float:
    """The bars' common axis: the largest finite |change|, at least the floor, never 0."""
    floor = min(BAR_FLOOR_THRESHOLDS * comparison.threshold_pct, sys.float_info.max)
    sizes = [abs(s.frame.percent) for s in comparison.scenarios]
    largest = max([floor, *(size for size in sizes if math.isfinite(size))])
    return largest if largest > 0 else 1.0


def gain(change: Change, scale: float, *, busy: bool = False, caveat: str = "") -> Gain:
    """The bar of one change; 'new' (from zero) and anything past the axis fill it."""
    pct = change.percent
    size = min(abs(pct), scale) if math.isfinite(pct) else scale
    # Halving both by a power of two keeps every bar exactly as long, and finite.
    shift = max(0, math.frexp(scale)[1] - _BAR_MAX_EXPONENT)
    return Gain(
        numbers.verdict(change),
        math.ldexp(size, -shift),
        math.ldexp(scale, -shift),
        interval=numbers.interval_text(change),
        detectable=_detectable(change, busy, caveat),
    )


def _detectable(change: Change, busy: bool, caveat: str = "") -> str:
    """What a 'same' or 'undecided' rules out, whether a busy machine weakened it, and
    whether the runs compared were alike."""
    said = []
    if not change.significant and change.detection is not None:
        said.append(f"detects ≥{numbers.bound(change.detection.detectable_pct)}")
    if busy and change.verdict is not Verdict.SAME:
        said.append(BUSY)
    if caveat:
        said.append(caveat)
    return " · ".join(said)


def side(bundle: Bundle) -> Table:
    """One measured side on its own (``run``): medians across rounds, no comparison."""
    measured = bundle.sides[0]
    rows: list[tuple[Cell, ...]] = []
    for name, rounds in measured.rounds.items():
        summaries = [summarize_round(r) for r in rounds]
        frame = statistics.median(s.frame_ms for s in summaries)
        ipc = statistics.median(s.ipc_ms for s in summaries)
        hops = len(rounds[-1].ipc_indices)
        rows.append(
            (
                Name(name),
                Value(numbers.ms(frame)),
                Value(numbers.ms(ipc)),
                Value(numbers.ms(ipc / hops if hops else None)),
                Value(numbers.fps(fps(frame))),
            )
        )
    ref = measured.ref
    table = Table(
        title=" ".join(filter(None, (ref.name, ref.shown_sha)))
        + f" · {bundle.frames} frames × {bundle.planned_rounds} rounds",
        columns=(PIPELINE, FRAME, IPC, PER_HOP, MAX_FPS),
        rows=tuple(rows),
    )
    hops = any(r[-1].ipc_indices for r in measured.rounds.values() if r)
    return table if hops else without_pipeline_columns(table)


def sweep(report: SweepReport) -> list[Table]:
    """One table per pipeline: a row per value of the variable, each against the first."""
    columns = (
        Column(report.key, "left"),
        FRAME,
        IPC,
        PER_HOP,
        MAX_FPS,
        IPC_VS_FIRST,
        Column("Frame vs first", "left"),
    )
    hops = any(has_hops(comparison) for comparison in report.comparisons)
    tables = []
    for name in report.scenario_names():
        first = report.comparisons[0].get(name)
        tables.append(
            Table(
                title=f"{name} · {first.label if first else ''} · sweep of {report.key}",
                columns=columns,
                rows=tuple(
                    (Value(value), *_sweep_cells(sc, first)) for value, sc in report.rows(name)
                ),
            )
        )
    return tables if hops else [without_pipeline_columns(t) for t in tables]


def moved_parts(comparison: Comparison) -> Table | None:
    """Every sub-stage, of every pipeline, that got faster or slower or exists on one side
    only; None when none did (a comparison without parts gains nothing)."""
    rows: list[tuple[Cell, ...]] = []
    for sc in comparison.scenarios:
        for part in sc.substages:
            if part.change is not None and not part.change.significant:
                continue
            rows.append(
                (
                    Name(sc.name),
                    Value(" › ".join(part.path)),
                    _change_value(part.base_ms, part.head_ms, part.change),
                    Mark(
                        _said_with(
                            numbers.change_text(part.change) if part.change else _one_side(part),
                            comparison.caveat,
                        ),
                        numbers.verdict(part.change),
                    ),
                )
            )
    if not rows:
        return None
    return Table(
        title="Parts of stages that moved",
        columns=(
            PIPELINE,
            Column("Part", "left"),
            Column("Time", unit="ms", repeats=True),
            Column("Change", "left"),
        ),
        rows=tuple(rows),
    )


def _said_with(text: str, caveat: str) -> str:
    """A change's text with the comparison's caveat beside it, when it has one."""
    return f"{text} · {caveat}" if caveat else text


def _one_side(part: StageChange) -> str:
    return "new part" if part.base_ms is None else "gone"


def sweep_parts(report: SweepReport, name: str) -> list[Table]:
    """Per stage of ``name`` that has parts (a hop): a row per value, the whole stage next
    to each of its parts, each against the first value with its own verdict. This is
    what shows *which* part of a hop each rung of a ladder removes."""
    first = report.comparisons[0].get(name) if report.comparisons else None
    if first is None:
        return []
    tables = []
    for stage in first.stages:
        parts = _parts_under(report, name, stage.path)
        if not parts:
            continue
        columns = (
            Column(report.key, "left"),
            Column(f"{stage.name} (whole)", unit="ms"),
            *(Column(" › ".join(part[len(stage.path) :]), unit="ms") for part in parts),
        )
        rows = []
        for value, sc in report.rows(name):
            cells = [_part_cell(sc, first, stage.path), *(_part_cell(sc, first, p) for p in parts)]
            rows.append((Value(value), *cells))
        tables.append(
            Table(
                title=f"{name} · {stage.name} by part · sweep of {report.key}",
                columns=columns,
                rows=tuple(rows),
            )
        )
    return tables


def _parts_under(report: SweepReport, name: str, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every part inside the stage at ``path`` at any value, in the order first seen."""
    found: dict[tuple[str, ...], None] = {}
    for comparison in report.comparisons:
        sc = comparison.get(name)
        for part in sc.substages if sc is not None else ():
            if part.path[: len(path)] == path:
                found.setdefault(part.path)
    return list(found)


def _part_cell(
    sc: ScenarioComparison | None, first: ScenarioComparison, path: tuple[str, ...]
) -> Cell:
    """The first row: the base side's median; then each value's median and its change."""
    if sc is None:
        st = _stage_at(first, path)
        return Value(numbers.ms(st.base_ms if st else None))
    st = _stage_at(sc, path)
    if st is None or st.head_ms is None:
        return Value(numbers.ms(None))
    if st.change is None:
        return Value(numbers.ms(st.head_ms))
    return Mark(
        f"{numbers.ms(st.head_ms)} {mark(st.change.percent, st.change)}",
        numbers.verdict(st.change),
    )


def _stage_at(sc: ScenarioComparison, path: tuple[str, ...]) -> StageChange | None:
    return sc.stage(path[0]) if len(path) == 1 else sc.substage(*path)


def _sweep_cells(
    sc: ScenarioComparison | None, first: ScenarioComparison | None
) -> tuple[Cell, ...]:
    if sc is None:  # the first row: base side of any comparison
        if first is None:
            return (Value("-"),) * 6
        return (
            Value(numbers.ms(first.frame.base.median)),
            Value(numbers.ms(first.ipc.base.median)),
            Value(numbers.ms(first.per_hop("base"))),
            Value(numbers.fps(first.base_fps)),
            Mark(BASELINE, BASELINE),
            Mark(BASELINE, BASELINE),
        )
    return (
        Value(numbers.ms(sc.frame.head.median)),
        Value(numbers.ms(sc.ipc.head.median)),
        Value(numbers.ms(sc.per_hop("head"))),
        Value(numbers.fps(sc.head_fps)),
        Mark(numbers.change_text(sc.ipc), numbers.verdict(sc.ipc)),
        Mark(numbers.change_text(sc.frame), numbers.verdict(sc.frame)),
    )
