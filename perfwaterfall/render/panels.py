"""The panels around the numbers: header, commits between the refs, warnings, failure."""

from __future__ import annotations

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.report import Report, SideInfo
from perfwaterfall.present import rules


def header_panel(report: Report) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="pw.heading", no_wrap=True)
    grid.add_column()
    for word, side in (("base", report.base), ("head", report.head)):
        grid.add_row(word, _ref_line(side))
    grid.add_row(
        "runs",
        Text(
            f"{report.frames} frames (+{report.warmup} warm-up) × {rules.rounds_text(report)}, "
            + ("interleaved, paired" if report.comparison.paired else "separate runs, unpaired")
        ),
    )
    grid.add_row(
        "verdicts",
        Text(
            rules.verdict_rule(report.comparison.design, report.comparison.threshold_pct),
            style="pw.dim",
        ),
    )
    grid.add_row("machine", Text(report.machine.one_line(), style="pw.dim"))
    return Panel(
        grid,
        title=Text("perf-waterfall", style="pw.title"),
        title_align="left",
        border_style="pw.border",
    )


def _ref_line(side: SideInfo) -> Text:
    text = Text.assemble((side.ref.name, "pw.ref"), "  ")
    if side.ref.shown_sha:
        text.append_text(Text.assemble((side.ref.shown_sha, "pw.sha"), "  "))
    text.append(side.ref.subject, style="")
    if side.env:
        text.append("  " + " ".join(f"{k}={v}" for k, v in side.env.items()), "pw.dim")
    return text


def commits_panel(report: Report) -> Panel | None:
    if not report.commits:
        return None
    lines = Text()
    for short, subject in report.commits:
        lines.append(short, "pw.sha")
        lines.append(f"  {subject}\n")
    more = report.commits_total - len(report.commits)
    if more > 0:
        lines.append(f"and {more} more\n", "pw.dim")
    lines.rstrip()
    title = f"Commits {report.base.ref.short}..{report.head.ref.short} ({report.commits_total})"
    return Panel(
        lines, title=Text(title, style="pw.title"), title_align="left", border_style="pw.border"
    )


def warnings_panel(report: Report) -> Panel | None:
    if not report.warnings:
        return None
    lines = Text("\n".join(f"! {w}" for w in report.warnings), style="pw.warning")
    return Panel(
        lines,
        title=Text("Warnings", style="pw.warning"),
        title_align="left",
        border_style="pw.warning.border",
    )


def failure_panel(report: Report) -> Panel | None:
    if report.failure is None:
        return None
    body = Text(report.failure.message, style="pw.error")
    if report.failure.stderr_tail:
        body.append("\n" + report.failure.stderr_tail.rstrip(), style="pw.dim")
    return Panel(
        body,
        title=Text("Run failed", style="pw.error"),
        title_align="left",
        border_style="pw.error.border",
    )
