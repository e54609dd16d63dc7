"""The frame waterfall: BEFORE and AFTER on one time axis, each stage offset by the
stages before it, AFTER annotated with its delta against the same stage BEFORE."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.comparison import ScenarioComparison, StageChange
from perfwaterfall.analysis.report import SideInfo
from perfwaterfall.present import numbers, tables
from perfwaterfall.render.spans import axis, axis_limit, span
from perfwaterfall.render.summary import VERDICT_STYLE
from perfwaterfall.render.theme import stage_style

NAME_WIDTH = 12
MS_WIDTH = 7
DELTA_WIDTH = 22
MIN_BAR_WIDTH = 20


def waterfall_panel(sc: ScenarioComparison, base: SideInfo, head: SideInfo, width: int) -> Panel:
    # panel border and padding take 4 cells, the grid's padding between 4 columns 3
    bar_width = max(MIN_BAR_WIDTH, width - 4 - 3 - NAME_WIDTH - MS_WIDTH - DELTA_WIDTH)
    base_rows = _rows(sc, "base")
    head_rows = _rows(sc, "head")
    limit = axis_limit(max(_total(base_rows), _total(head_rows)))
    body = Group(
        _side_heading("BEFORE", base),
        _bars(base_rows, limit, bar_width, annotate=False),
        _axis_row(limit, bar_width),
        Text(""),
        _side_heading("AFTER", head),
        _bars(head_rows, limit, bar_width, annotate=True),
        _axis_row(limit, bar_width),
        Text(""),
        _footer(sc),
    )
    title = Text.assemble(("Frame waterfall · ", "pw.title"), (numbers.one_line(sc.name), "pw.ref"))
    if sc.label:
        title.append(f" · {numbers.one_line(sc.label)}", "pw.dim")
    return Panel(body, title=title, title_align="left", border_style="pw.border", width=width)


def _rows(sc: ScenarioComparison, side: str) -> list[tuple[StageChange, float]]:
    """(stage, ms) in frame order for the stages that exist on that side."""
    rows = []
    for st in sc.stages:
        value = st.base_ms if side == "base" else st.head_ms
        if value is not None:
            rows.append((st, value))
    return rows


def _total(rows: Sequence[tuple[StageChange, float]]) -> float:
    return sum(v for _, v in rows)


def _side_heading(word: str, side: SideInfo) -> Text:
    text = Text.assemble((f"{word:<7}", "pw.heading"), (side.ref.name, "pw.ref"))
    if side.ref.shown_sha:
        text.append(" " + side.ref.shown_sha, "pw.sha")
    if side.env:
        text.append("  " + " ".join(f"{k}={v}" for k, v in side.env.items()), "pw.dim")
    return text


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=NAME_WIDTH, no_wrap=True, overflow="ellipsis")
    grid.add_column(width=MS_WIDTH, justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(width=DELTA_WIDTH, no_wrap=True)
    return grid


def _bars(
    rows: Sequence[tuple[StageChange, float]], limit: float, bar_width: int, *, annotate: bool
) -> Table:
    grid = _grid()
    offset = 0.0
    for stage, value in rows:
        style = stage_style(stage.kind)
        grid.add_row(
            Text(numbers.one_line(stage.name), style=style),
            Text(numbers.ms(value)),
            span(offset, offset + value, limit, bar_width, style),
            _delta(stage) if annotate else Text(""),
        )
        offset += value
    return grid


def _delta(stage: StageChange) -> Text:
    if stage.change is None:
        return Text("new stage" if stage.base_ms is None else "", style="pw.dim")
    verdict = numbers.verdict(stage.change)
    return Text(numbers.stage_change_text(stage.change), style=VERDICT_STYLE[verdict])


def _axis_row(limit: float, bar_width: int) -> Table:
    grid = _grid()
    grid.add_row(Text(""), Text(""), axis(limit, bar_width), Text(""))
    return grid


def _footer(sc: ScenarioComparison) -> Text:
    frame = sc.frame
    verdict = numbers.verdict(frame)
    return Text.assemble(
        ("■ ", "pw.stage.filter"),
        ("filter work  ", "pw.dim"),
        ("■ ", "pw.stage.ipc"),
        ("IPC hop", "pw.dim"),
        "\nframe ",
        (f"{numbers.ms(frame.base.median)} → {numbers.ms(frame.head.median)} ms ", ""),
        (numbers.change_text(frame), VERDICT_STYLE[verdict]),
        "    max fps ",
        (f"{numbers.fps(sc.base_fps)} → {numbers.fps(sc.head_fps)} ", ""),
        (tables.mark(tables.fps_gain(sc), frame), VERDICT_STYLE[verdict]),
    )
