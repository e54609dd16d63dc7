"""The log as markdown: the terminal's tables, one per pipeline, with a trend row."""

from __future__ import annotations

from perfwaterfall.export.mdtext import escape
from perfwaterfall.history.series import LogReport
from perfwaterfall.present.log_table import log_table


def log_to_markdown(report: LogReport) -> str:
    lines = [
        f"## perf-waterfall log {escape(report.range)}",
        "",
        f"{report.frames} frames × {report.policy.describe()} per commit, each step paired with "
        "the previous commit; ▲ slower, ▼ faster: a change point, where the series stepped, "
        "by how much (interval).",
    ]
    for series in report.series:
        data = log_table(series, report.threshold_pct)
        lines += ["", f"### {escape(data.title)}", ""]
        lines.append(
            "| commit | subject | " + " | ".join(f"{escape(c)} ms" for c in data.columns) + " |"
        )
        lines.append("|---|---|" + "---:|" * len(data.columns))
        for row in data.rows:
            cells = [c.one_line for c in row.cells] or [f"failed: {escape(row.failure or '')}"]
            cells += [""] * (len(data.columns) - len(cells))
            lines.append(f"| `{row.short}` | {escape(row.subject)} | " + " | ".join(cells) + " |")
        lines.append("| **trend** | | " + " | ".join(f"`{t}`" for t in data.trend) + " |")
    return "\n".join(lines) + "\n"
