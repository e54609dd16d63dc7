"""GitHub-flavoured markdown, paste-ready for a pull request description."""

from __future__ import annotations

from collections.abc import Iterable

from perfwaterfall.analysis.report import Report, SideInfo, SweepReport
from perfwaterfall.export.mdtext import escape, fence
from perfwaterfall.export.profile_markdown import movers_markdown
from perfwaterfall.export.reproduce import reproduce
from perfwaterfall.export.review import legend, review_line
from perfwaterfall.present import pipeline_summary, rules, sweep_by_value, tables
from perfwaterfall.present.moved_parts import moved_parts
from perfwaterfall.render.terminal import waterfall_text

WATERFALL_WIDTH = 100
# Every verdict's words in the Verdict column, and whether it is news (set in bold).
VERDICTS = {
    "faster": ("faster", True),
    "slower": ("slower", True),
    "same": ("~ same", False),
    "undecided": ("? undecided", False),
    tables.BASELINE: (tables.BASELINE, False),
}


def to_markdown(report: Report) -> str:
    parts = [_headline(report), "", review_line(report), ""]
    if report.comparison.scenarios:
        parts += table_markdown(pipeline_summary.summary(report.comparison, busy=report.busy))
        parts += ["", legend(report.comparison.threshold_pct)]
    else:
        parts.append("No pipeline finished on both sides.")
    parts += _warnings(report)
    geomean = pipeline_summary.geomean_text(report.comparison)
    if geomean is not None:
        parts += ["", f"Geomean frame time: {geomean}"]
    moved = moved_parts(report.comparison)
    if moved is not None:
        parts += ["", f"*{escape(moved.title)}*", "", *table_markdown(moved)]
    parts += _failure(report)
    waterfall = waterfall_text(report, WATERFALL_WIDTH)
    if waterfall:
        parts += ["", fence(waterfall)]
    if report.profile is not None and report.profile.movers is not None:
        parts += [
            "",
            *movers_markdown(
                report.profile.movers,
                base_label=report.base.label,
                head_label=report.head.label,
                svg_paths=report.profile.svg_paths,
            ),
        ]
    parts += ["", *_details(report)]
    return "\n".join(parts) + "\n"


def _warnings(report: Report) -> list[str]:
    """Outside the collapsed details: a reviewer must see them without a click."""
    if not report.warnings:
        return []
    return ["", "> **Warnings**", *(f"> - {escape(w)}" for w in report.warnings)]


def _failure(report: Report) -> list[str]:
    if report.failure is None:
        return []
    return ["", f"**Run failed:** {escape(report.failure.message)}"]


def _headline(report: Report) -> str:
    return (
        f"**perf-waterfall** {_ref(report.base)} → {_ref(report.head)}: "
        f"{report.frames} frames × {rules.rounds_text(report)}"
    )


def _ref(side: SideInfo) -> str:
    text = _ref_name(side)
    if side.env:
        text += " with " + ", ".join(escape(f"{k}={v}") for k, v in side.env.items())
    return text


def _ref_name(side: SideInfo) -> str:
    """``name (sha)``, or the name alone when the user named the commit by its sha."""
    sha = side.ref.shown_sha
    return escape(side.ref.name) + (f" ({escape(sha)})" if sha else "")


def table_markdown(table: tables.Table) -> list[str]:
    """A table's header, rule and rows; markdown has no titles or bars, so those go."""
    columns = table.columns
    lines = [
        _row(_header(column) for column in columns),
        "|" + "|".join("---:" if c.align == "right" else "---" for c in columns) + "|",
    ]
    for row in table.rows:
        lines.append(_row(_cell(cell, column) for cell, column in zip(row, columns, strict=True)))
    return lines


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(column: tables.Column) -> str:
    header = escape(column.text_header or column.header)
    return f"{header} ({column.unit})" if column.unit else header


def _cell(cell: tables.Cell, column: tables.Column) -> str:
    if isinstance(cell, tables.Name):
        name = f"**{escape(cell.name)}**"
        return f"{name}<br>{escape(cell.label)}" if cell.label else name
    if isinstance(cell, tables.Value):
        if cell.after is None:
            return escape(cell.before)
        text = f"{escape(cell.before)} → {escape(cell.after)}"
        if not cell.mark or column.repeats:
            return text
        return f"{text} ({_news(cell.mark, cell.verdict)})"
    if isinstance(cell, tables.Mark):
        return _news(cell.text, cell.verdict)
    words, _ = VERDICTS[cell.verdict]
    said = _news(words, cell.verdict)
    details = "; ".join(filter(None, (cell.interval, cell.detectable)))
    return f"{said} ({escape(details)})" if details else said


def _news(text: str, verdict: str) -> str:
    """Text in bold when its verdict is news, escaped either way."""
    _, news = VERDICTS[verdict]
    return f"**{escape(text)}**" if news else escape(text)


def _details(report: Report) -> list[str]:
    lines = [
        "<details><summary>Machine, runs and how to reproduce</summary>",
        "",
        f"- Machine: {escape(report.machine.one_line())}",
        f"- Runs: {report.frames} frames (+{report.warmup} warm-up) × "
        f"{rules.rounds_text(report)}, "
        + ("interleaved and paired" if report.comparison.paired else "separate runs, unpaired"),
        "- Verdicts: "
        + escape(rules.verdict_rule(report.comparison.design, report.comparison.threshold_pct)),
        f"- Base: {_ref(report.base)} {escape(report.base.ref.subject)}",
        f"- Head: {_ref(report.head)} {escape(report.head.ref.subject)}",
    ]
    if report.commits:
        lines.append(f"- Commits: {report.commits_total}")
        lines += [f"  - {escape(short)} {escape(subject)}" for short, subject in report.commits]
        more = report.commits_total - len(report.commits)
        if more > 0:
            lines.append(f"  - and {more} more")
    command = reproduce(report.command, report.base.ref.name, report.head.ref.name)
    if command:
        lines += ["", "Reproduce (from a checkout of this repository):", "", fence(command, "sh")]
    lines += ["", "</details>"]
    return lines


def sweep_to_markdown(sweep: SweepReport) -> str:
    report = sweep.first_last
    parts = [
        f"**perf-waterfall sweep** of {escape(sweep.key)} at {_ref_name(report.head)}: "
        f"{report.frames} frames × {report.planned_rounds} rounds per value",
    ]
    parts += _failure(report)
    for name, table in zip(sweep.scenario_names(), sweep_by_value.sweep(sweep), strict=True):
        parts += ["", f"**{escape(name)}**", "", *table_markdown(table)]
        for by_part in sweep_by_value.sweep_parts(sweep, name):
            parts += ["", f"*{escape(by_part.title)}*", "", *table_markdown(by_part)]
    waterfall = waterfall_text(report, WATERFALL_WIDTH)
    if waterfall:
        parts += ["", fence(waterfall)]
    parts += ["", *_details(report)]
    return "\n".join(parts) + "\n"
