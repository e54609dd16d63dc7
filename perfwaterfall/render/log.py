"""The log in the terminal: per pipeline, a table of commits with a sparkline per column."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.history.series import LogReport
from perfwaterfall.present.log_table import LogCell, log_table

STYLES = {Verdict.SLOWER: "pw.slower", Verdict.FASTER: "pw.faster"}


def print_log(console: Console, report: LogReport) -> None:
    console.print(
        Text.assemble(
            ("log ", "pw.heading"),
            (report.range, "pw.ref"),
            (
                f" · {report.frames} frames × {report.policy.describe()} per commit, "
                "each step paired with the previous · ▲/▼ a change point: the series "
                "stepped here, by how much, its interval below",
                "pw.dim",
            ),
        )
    )
    for series in report.series:
        data = log_table(series, report.threshold_pct)
        table = Table(
            title=data.title,
            title_style="pw.title",
            box=box.SIMPLE_HEAD,
            border_style="pw.border",
            header_style="pw.heading",
        )
        table.add_column("commit", style="pw.sha", no_wrap=True, min_width=7)
        table.add_column(
            "subject", style="pw.label", overflow="ellipsis", no_wrap=True, max_width=28
        )
        for i, column in enumerate(data.columns):
            cells = [line for r in data.rows if r.cells for line in _lines(r.cells[i])]
            widest = max(len(text) for text in [*cells, data.trend[i], "failed"])
            table.add_column(f"{column} ms", justify="right", no_wrap=True, min_width=widest)
        for row in data.rows:
            if row.failure is not None:
                rest = (Text("-", "pw.dim") for _ in data.columns[1:])
                table.add_row(row.short, row.subject, Text("failed", "pw.error"), *rest)
                continue
            drawn = [_drawn(c) for c in row.cells]
            table.add_row(row.short, row.subject, *drawn)
        table.add_section()
        table.add_row("trend", "", *(Text(t, "pw.border") for t in data.trend))
        console.print(table)
        for row in data.rows:
            if row.failure is not None:
                console.print(
                    Text.assemble((row.short, "pw.sha"), (f" failed: {row.failure}", "pw.error"))
                )


def _lines(cell: LogCell) -> list[str]:
    return [cell.text, cell.interval] if cell.interval else [cell.text]


def _drawn(cell: LogCell) -> Text:
    """A change point's interval goes under its value, so the column stays narrow."""
    text = Text(cell.text, STYLES[cell.verdict] if cell.verdict else "")
    if cell.interval:
        text.append(f"\n{cell.interval}", "pw.dim")
    return text
