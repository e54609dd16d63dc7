"""The tables of present/tables.py in rich: each cell kind and verdict drawn one way."""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.present import numbers, pipeline_summary, run_table, tables
from perfwaterfall.render.spans import span
from perfwaterfall.store.bundle import Bundle

GAIN_BAR_WIDTH = 16
COMPACT_GAIN_BAR_WIDTH = 6
# The full table needs about 110 columns; narrower terminals get the stacked layout.
COMPACT_BELOW = 110
# Narrower still (80 columns), headers shorten and names and verdicts wrap: numbers are
# never cut, each value column is as wide as its widest number.
SHORT_BELOW = 96
NAME_MIN = 10
SHORT_HEADERS = {"Frame time": "Frame", "IPC / frame": "IPC", "Per hop": "Hop", "Max fps": "fps"}
# Every verdict's word beside a gain bar, and its style wherever it colours a change.
VERDICTS = {
    "faster": ("faster", "pw.faster"),
    "slower": ("slower", "pw.slower"),
    "same": ("same", "pw.noise"),
    "undecided": ("undecided", "pw.undecided"),
    tables.BASELINE: (tables.BASELINE, "pw.dim"),
}
VERDICT_STYLE = {verdict: style for verdict, (_, style) in VERDICTS.items()}


def summary_table(comparison: Comparison, width: int = 120, *, busy: bool = False) -> Table:
    """Below COMPACT_BELOW columns, values stack (before, after, change) and labels go."""
    return rich_table(
        pipeline_summary.summary(comparison, busy=busy),
        compact=width < COMPACT_BELOW,
        short=width < SHORT_BELOW,
        width=width,
    )


def side_table(bundle: Bundle) -> Table:
    """One measured side on its own (``run``): medians across rounds, no comparison."""
    return rich_table(run_table.side(bundle))


def rich_table(
    table: tables.Table, *, compact: bool = False, short: bool = False, width: int | None = None
) -> Table:
    """The first column names the row; on a compact table values stack and labels go;
    ``short``: short headers, and only names and verdicts give up width (they wrap),
    unless the numbers alone are wider than ``width`` (then they fold onto more lines)."""
    out = Table(
        box=box.SIMPLE_HEAD,
        border_style="pw.border",
        header_style="pw.heading",
        title=Text(table.title, style="pw.title"),  # data may hold '[': never markup
        title_style="pw.title",
        caption=table.caption or None,
        caption_style="pw.dim",
        pad_edge=False,
    )
    cells = [[_cell(cell, compact) for cell in row] for row in table.rows]
    if short and width is not None and _numbers_width(table, cells) > width:
        short = False
    for index, column in enumerate(table.columns):
        header = column.narrow if compact and column.narrow else column.header
        header = SHORT_HEADERS.get(header, header) if short else header
        values = [row[index] for row in cells]
        numbers_only = short and all(isinstance(r[index], tables.Value) for r in table.rows)
        out.add_column(
            Text(header),
            style="pw.label" if index == 0 else None,
            justify=column.align,
            no_wrap=numbers_only if short else compact or not column.wrap,
            overflow="fold" if short else "ellipsis",
            min_width=_min_width(values, index, short, numbers_only),
            max_width=_widest_of(values) if numbers_only else None,
        )
    for row in cells:
        if short:  # a verdict's words may wrap (a bar is one word); a number never does
            for text, cell in zip(row, table.rows[cells.index(row)], strict=True):
                if isinstance(cell, tables.Gain):
                    text.no_wrap, text.overflow = False, "fold"
        out.add_row(*row)
    return out


def _min_width(values: list[Text], index: int, short: bool, numbers_only: bool) -> int | None:
    """Numbers keep their width; a name keeps a word's worth of it (at most NAME_MIN)."""
    if numbers_only:
        return _widest_of(values)
    if short and index == 0:
        return min(_widest_of(values), NAME_MIN)
    return None


def _numbers_width(table: tables.Table, cells: list[list[Text]]) -> int:
    """The columns the number-only columns need, with a cell's padding each."""
    return sum(
        _widest_of([row[i] for row in cells]) + 2
        for i in range(len(table.columns))
        if all(isinstance(r[i], tables.Value) for r in table.rows)
    )


def _widest_of(values: list[Text]) -> int:
    return max((cell_len(ln) for v in values for ln in v.plain.splitlines()), default=0)


def _cell(cell: tables.Cell, compact: bool) -> Text:
    if isinstance(cell, tables.Name):
        text = Text(numbers.one_line(cell.name), style="pw.label")
        if cell.label and not compact:
            text.append(f"\n{numbers.one_line(cell.label)}", style="pw.dim")
        return text
    if isinstance(cell, tables.Value):
        return _value(cell, stacked=compact)
    if isinstance(cell, tables.Mark):
        return Text(cell.text, style=VERDICT_STYLE[cell.verdict])
    return gain_bar(cell, COMPACT_GAIN_BAR_WIDTH if compact else GAIN_BAR_WIDTH)


def _value(cell: tables.Value, *, stacked: bool) -> Text:
    """'55.0 → 33.1' over a coloured '-39.8%' (or a grey '~ +0.4%'); stacked: one value a line."""
    if cell.after is None:
        return Text(cell.before)
    before, after = cell.before, cell.after
    text = Text(f"{before}\n→ {after}" if stacked else f"{before} → {after}", no_wrap=True)
    if cell.mark:
        text.append("\n")
        text.append(cell.mark, VERDICT_STYLE[cell.verdict])
    return text


def gain_bar(cell: tables.Gain, width: int = GAIN_BAR_WIDTH) -> Text:
    """Bar length is |change| against the largest change in the table; colour is the verdict."""
    word, style = VERDICTS[cell.verdict]
    bar = span(0, cell.size, cell.scale, width, style)
    bar.append(f" {word}", style)
    if cell.interval:
        bar.append(f" {cell.interval}", style)
    if cell.detectable:
        bar.append(f"\n{cell.detectable}", "pw.dim")
    return bar
