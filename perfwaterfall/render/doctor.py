"""The doctor's findings on the terminal: one panel, a status, a line seen and a line of advice."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.doctor.findings import Finding

STATUS_STYLES = {"ok": "pw.faster", "warn": "pw.warning", "info": "pw.label"}


def doctor_panel(findings: Sequence[Finding]) -> Panel:
    """Text objects throughout, never markup: values hold names from outside, and a
    process called ``[red]x`` must show as such."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(style="pw.heading", no_wrap=True)
    grid.add_column()
    for finding in findings:
        body = Text(finding.value)
        body.append("\n" + finding.advice, style="pw.dim")
        status = Text(finding.status, style=STATUS_STYLES.get(finding.status, ""))
        grid.add_row(status, Text(finding.heading), body)
    return Panel(
        grid,
        title=Text("perf-waterfall doctor", style="pw.title"),
        title_align="left",
        border_style="pw.border",
    )


def summary_line(findings: Sequence[Finding]) -> Text:
    warned = [f.heading for f in findings if f.status == "warn"]
    if not warned:
        return Text("nothing here should add noise to the times", style="pw.faster")
    return Text(
        f"{len(warned)} of {len(findings)} checks warn ({', '.join(warned)}): "
        "times measured now will be slower or noisier",
        style="pw.warning",
    )


def print_doctor(console: Console, findings: Sequence[Finding]) -> None:
    console.print(doctor_panel(findings))
    console.print(summary_line(findings))
