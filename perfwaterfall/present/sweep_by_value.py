"""A sweep's tables: each value of the variable against the first, whole and by part."""

from __future__ import annotations

from perfwaterfall.analysis.comparison import ScenarioComparison, StageChange
from perfwaterfall.analysis.report import SweepReport
from perfwaterfall.present import numbers
from perfwaterfall.present.change_cells import mark
from perfwaterfall.present.tables import (
    BASELINE,
    FRAME,
    IPC,
    IPC_VS_FIRST,
    MAX_FPS,
    PER_HOP,
    Cell,
    Column,
    Mark,
    Table,
    Value,
    has_hops,
    without_pipeline_columns,
)


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
