"""The sweep table: one row per value of a variable, each against the first."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.table import Table

from perfwaterfall.analysis.report import SweepReport
from perfwaterfall.present import sweep_by_value
from perfwaterfall.render.panels import failure_panel, header_panel, warnings_panel
from perfwaterfall.render.summary import rich_table
from perfwaterfall.render.terminal import MAX_WIDTH
from perfwaterfall.render.waterfall import waterfall_panel


def sweep_tables(sweep: SweepReport) -> list[Table]:
    """Per pipeline its table, then each of its hops broken into parts (when it has any)."""
    out = []
    for name, table in zip(sweep.scenario_names(), sweep_by_value.sweep(sweep), strict=True):
        out.append(rich_table(table))
        out += [rich_table(parts) for parts in sweep_by_value.sweep_parts(sweep, name)]
    return out


def sweep_renderables(sweep: SweepReport, width: int) -> list[RenderableType]:
    report = sweep.first_last
    parts: list[RenderableType | None] = [
        header_panel(report),
        failure_panel(report),
        *sweep_tables(sweep),
    ]
    chosen = report.waterfall_scenario()
    if chosen is not None:
        parts.append(
            waterfall_panel(chosen, report.base, report.head, width, unfold=report.substages)
        )
    parts.append(warnings_panel(report))
    return [p for p in parts if p is not None]


def print_sweep(console: Console, sweep: SweepReport) -> None:
    width = min(console.width, MAX_WIDTH)
    for part in sweep_renderables(sweep, width):
        console.print(part, width=width)
