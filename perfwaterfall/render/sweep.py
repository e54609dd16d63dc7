"""The sweep table: one row per value of a variable, each against the first."""

from __future__ import annotations

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.report import SweepReport
from perfwaterfall.analysis.stats import Change
from perfwaterfall.present import numbers
from perfwaterfall.render.panels import header_panel, warnings_panel
from perfwaterfall.render.summary import VERDICT_STYLE
from perfwaterfall.render.terminal import MAX_WIDTH
from perfwaterfall.render.waterfall import waterfall_panel


def sweep_tables(sweep: SweepReport) -> list[Table]:
    tables = []
    for name in sweep.scenario_names():
        first = sweep.comparisons[0].get(name)
        table = Table(
            box=box.SIMPLE_HEAD,
            border_style="pw.border",
            header_style="pw.heading",
            title=f"{name} · {first.label if first else ''} · sweep of {sweep.key}",
            title_style="pw.title",
            pad_edge=False,
        )
        table.add_column(sweep.key, style="pw.label", no_wrap=True)
        for column in ("Frame time", "IPC / frame", "Per hop", "Max fps"):
            table.add_column(column, justify="right", no_wrap=True)
        table.add_column("IPC vs first", no_wrap=True)
        table.add_column("Frame vs first", no_wrap=True)
        for value, sc in sweep.rows(name):
            table.add_row(value, *_cells(sc, first))
        tables.append(table)
    return tables


def _cells(sc: ScenarioComparison | None, first: ScenarioComparison | None) -> list[Text]:
    if sc is None:  # the first row: base side of any comparison
        if first is None:
            return [Text("-")] * 6
        return [
            Text(numbers.ms(first.frame.base.median)),
            Text(numbers.ms(first.ipc.base.median)),
            Text(numbers.ms(first.per_hop("base"))),
            Text(numbers.fps(first.base_fps)),
            Text("baseline", style="pw.dim"),
            Text("baseline", style="pw.dim"),
        ]
    return [
        Text(numbers.ms(sc.frame.head.median)),
        Text(numbers.ms(sc.ipc.head.median)),
        Text(numbers.ms(sc.per_hop("head"))),
        Text(numbers.fps(sc.head_fps)),
        _change(sc.ipc),
        _change(sc.frame),
    ]


def _change(change: Change) -> Text:
    return Text(numbers.change_text(change), style=VERDICT_STYLE[numbers.verdict(change)])


def sweep_renderables(sweep: SweepReport, width: int) -> list[RenderableType]:
    report = sweep.first_last
    parts: list[RenderableType | None] = [header_panel(report), *sweep_tables(sweep)]
    chosen = report.waterfall_scenario()
    if chosen is not None:
        parts.append(waterfall_panel(chosen, report.base, report.head, width))
    parts.append(warnings_panel(report))
    return [p for p in parts if p is not None]


def print_sweep(console: Console, sweep: SweepReport) -> None:
    width = min(console.width, MAX_WIDTH)
    for part in sweep_renderables(sweep, width):
        console.print(part, width=width)
