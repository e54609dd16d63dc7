"""The frame waterfall: BEFORE and AFTER on one time axis, each stage offset by the
stages before it, AFTER annotated with its delta against the same stage BEFORE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.comparison import ScenarioComparison, StageChange
from perfwaterfall.analysis.report import SideInfo
from perfwaterfall.present import numbers, substages
from perfwaterfall.present.change_cells import fps_gain, mark
from perfwaterfall.render.spans import axis, axis_limit, span
from perfwaterfall.render.summary import VERDICT_STYLE
from perfwaterfall.render.theme import stage_style

NAME_WIDTH = 12
MS_WIDTH = 7
DELTA_WIDTH = 22
MIN_BAR_WIDTH = 20
INDENT = "  "  # per level of nesting, before a sub-stage's name
MAX_INDENT = 4  # deeper parts indent no further: the name must still show
MAX_NAME_WIDTH = 20  # how far indented parts may widen the name column


def waterfall_panel(
    sc: ScenarioComparison,
    base: SideInfo,
    head: SideInfo,
    width: int,
    *,
    unfold: str = substages.Unfold.CHANGED,
    caveat: str = "",
) -> Panel:
    """``unfold``: which stages show their sub-stages as indented rows (present/substages.py);
    ``caveat``: said beside the frame's verdict (separate runs that were not alike)."""
    shown = substages.rows_in_order(sc, unfold)
    name_width = _name_width(shown)
    # panel border and padding take 4 cells, the grid's padding between 4 columns 3
    bar_width = max(MIN_BAR_WIDTH, width - 4 - 3 - name_width - MS_WIDTH - DELTA_WIDTH)
    base_rows = _rows(shown, "base")
    head_rows = _rows(shown, "head")
    limit = axis_limit(max(_total(base_rows), _total(head_rows)))
    body = Group(
        _side_heading("BEFORE", base),
        _bars(base_rows, limit, bar_width, name_width, annotate=False),
        _axis_row(limit, bar_width, name_width),
        Text(""),
        _side_heading("AFTER", head),
        _bars(head_rows, limit, bar_width, name_width, annotate=True, caveat=caveat),
        _axis_row(limit, bar_width, name_width),
        Text(""),
        _footer(sc, shown, caveat),
    )
    title = Text.assemble(("Frame waterfall · ", "pw.title"), (numbers.one_line(sc.name), "pw.ref"))
    if sc.label:
        title.append(f" · {numbers.one_line(sc.label)}", "pw.dim")
    return Panel(body, title=title, title_align="left", border_style="pw.border", width=width)


@dataclass(frozen=True)
class _Row:
    """One bar: a stage's time from ``begin``; a sub-stage starts where its earlier siblings
    end inside its parent and is cut at the parent's end (its parts need not cover it)."""

    stage: StageChange
    ms: float
    begin: float
    end: float


def _rows(shown: Sequence[StageChange], side: str) -> list[_Row]:
    """The bars of the rows shown, for the stages that exist on that side."""
    rows = []
    offset = 0.0
    cursor: dict[tuple[str, ...], float] = {}  # where the next part of a stage begins
    ends: dict[tuple[str, ...], float] = {}
    for st in shown:
        value = st.base_ms if side == "base" else st.head_ms
        if value is None:
            continue
        if st.depth == 0:
            begin, end = offset, offset + value
            offset = end
        else:
            begin = cursor.get(st.parent, 0.0)
            cursor[st.parent] = begin + value
            limit = ends.get(st.parent, begin + value)
            begin, end = min(begin, limit), min(begin + value, limit)
        cursor[st.path], ends[st.path] = begin, end
        rows.append(_Row(st, value, begin, end))
    return rows


def _total(rows: Sequence[_Row]) -> float:
    """The frame: the stages of the top level; sub-stages are inside them."""
    return sum(row.ms for row in rows if row.stage.depth == 0)


def _side_heading(word: str, side: SideInfo) -> Text:
    text = Text.assemble((f"{word:<7}", "pw.heading"), (side.ref.name, "pw.ref"))
    if side.ref.shown_sha:
        text.append(" " + side.ref.shown_sha, "pw.sha")
    if side.env:
        text.append("  " + " ".join(f"{k}={v}" for k, v in side.env.items()), "pw.dim")
    return text


def _indented(stage: StageChange) -> str:
    return INDENT * min(stage.depth, MAX_INDENT) + numbers.one_line(stage.name)


def _name_width(shown: Sequence[StageChange]) -> int:
    """NAME_WIDTH, widened (up to MAX_NAME_WIDTH) when indented parts need it."""
    nested = [len(_indented(st)) for st in shown if st.depth]
    return max(NAME_WIDTH, min(max(nested, default=0), MAX_NAME_WIDTH))


def _grid(name_width: int) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=name_width, no_wrap=True, overflow="ellipsis")
    grid.add_column(width=MS_WIDTH, justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(width=DELTA_WIDTH, no_wrap=True)
    return grid


def _bars(
    rows: Sequence[_Row],
    limit: float,
    bar_width: int,
    name_width: int,
    *,
    annotate: bool,
    caveat: str = "",
) -> Table:
    grid = _grid(name_width)
    for row in rows:
        stage = row.stage
        style = stage_style(stage.kind)
        grid.add_row(
            Text(_indented(stage), style=style),
            Text(numbers.ms(row.ms)),
            span(row.begin, row.end, limit, bar_width, style),
            _delta(stage, caveat) if annotate else Text(""),
        )
    return grid


def _delta(stage: StageChange, caveat: str = "") -> Text:
    """The stage's change; with a '!' when the runs were not alike (the footer says how)."""
    if stage.change is None:
        return Text("new stage" if stage.base_ms is None else "", style="pw.dim")
    verdict = numbers.verdict(stage.change)
    text = Text(numbers.stage_change_text(stage.change), style=VERDICT_STYLE[verdict])
    if caveat:
        text.append(" !", "pw.warning")
    return text


def _axis_row(limit: float, bar_width: int, name_width: int) -> Table:
    grid = _grid(name_width)
    grid.add_row(Text(""), Text(""), axis(limit, bar_width), Text(""))
    return grid


def _footer(sc: ScenarioComparison, shown: Sequence[StageChange], caveat: str = "") -> Text:
    frame = sc.frame
    verdict = numbers.verdict(frame)
    text = Text.assemble(
        "frame ",
        (f"{numbers.ms(frame.base.median)} → {numbers.ms(frame.head.median)} ms ", ""),
        (numbers.change_text(frame), VERDICT_STYLE[verdict]),
    )
    # A pipeline's legend and rate; a harness without ipc stages is no pipeline.
    if sc.base_hops or sc.head_hops:
        legend = Text.assemble(
            ("■ ", "pw.stage.filter"),
            ("filter work  ", "pw.dim"),
            ("■ ", "pw.stage.ipc"),
            ("IPC hop", "pw.dim"),
            "\n",
        )
        text = legend + text
        text.append_text(
            Text.assemble(
                "    max fps ",
                (f"{numbers.fps(sc.base_fps)} → {numbers.fps(sc.head_fps)} ", ""),
                (mark(fps_gain(sc), frame), VERDICT_STYLE[verdict]),
            )
        )
    if caveat:
        text.append(f"    {caveat}", "pw.warning")
    # Said only when there are parts: a waterfall without them reads as it always did.
    said = []
    if any(st.depth for st in shown):
        said.append("indented: parts of the stage above, inside its time")
    folded = len(sc.stages) + len(sc.substages) - len(shown)
    if folded:
        said.append(f"{folded} {'part' if folded == 1 else 'parts'} folded (--substages all)")
    if said:
        text.append("\n" + " · ".join(said), "pw.dim")
    return text
