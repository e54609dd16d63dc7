"""GitHub-flavoured markdown, paste-ready for a pull request description."""

from __future__ import annotations

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.report import Report, SideInfo, SweepReport
from perfwaterfall.analysis.stats import Change
from perfwaterfall.export.mdtext import escape, fence
from perfwaterfall.export.profile_markdown import movers_markdown
from perfwaterfall.present import numbers
from perfwaterfall.render.terminal import waterfall_text

WATERFALL_WIDTH = 100


def to_markdown(report: Report) -> str:
    parts = [_headline(report), "", *_table(report)]
    ratio = report.comparison.geomean_ratio
    if ratio is not None and len(report.comparison.scenarios) > 1:
        parts += ["", f"Geomean frame time: {ratio:.3f}x ({numbers.percent((ratio - 1) * 100)})"]
    if report.failure is not None:
        parts += ["", f"**Run failed:** {escape(report.failure.message)}"]
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


def _headline(report: Report) -> str:
    return (
        f"**perf-waterfall** {_ref(report.base)} → {_ref(report.head)}: "
        f"{report.frames} frames × {report.rounds} rounds per side"
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


def _table(report: Report) -> list[str]:
    if not report.comparison.scenarios:
        return ["No pipeline finished on both sides."]
    rows = [
        "| Pipeline | Frame time (ms) | IPC / frame (ms) | Per hop (ms) | Max fps | Verdict |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for sc in report.comparison.scenarios:
        name = f"**{escape(sc.name)}**"
        if sc.label:
            name += f"<br>{escape(sc.label)}"
        rows.append(
            "| "
            + " | ".join(
                [
                    name,
                    _cell(sc.frame),
                    _cell(sc.ipc),
                    f"{numbers.ms(sc.per_hop('base'))} → {numbers.ms(sc.per_hop('head'))}",
                    f"{numbers.fps(sc.base_fps)} → {numbers.fps(sc.head_fps)}",
                    _verdict(sc),
                ]
            )
            + " |"
        )
    return rows


def _cell(change: Change) -> str:
    text = f"{numbers.ms(change.base.median)} → {numbers.ms(change.head.median)}"
    pct = numbers.percent(change.percent)
    return f"{text} (**{pct}**)" if change.significant else f"{text} (\\~ {pct})"


def _verdict(sc: ScenarioComparison) -> str:
    verdict = numbers.verdict(sc.frame)
    return {"faster": "**faster**", "slower": "**slower**"}.get(verdict, "\\~ noise")


def _details(report: Report) -> list[str]:
    lines = [
        "<details><summary>Machine, runs, warnings and how to reproduce</summary>",
        "",
        f"- Machine: {escape(report.machine.one_line())}",
        f"- Runs: {report.frames} frames (+{report.warmup} warm-up) × {report.rounds} rounds "
        f"per side, interleaved; a change is real when Mann-Whitney p < 0.05 and it is at least "
        f"{report.comparison.threshold_pct:g}%",
        f"- Base: {_ref(report.base)} {escape(report.base.ref.subject)}",
        f"- Head: {_ref(report.head)} {escape(report.head.ref.subject)}",
    ]
    if report.commits:
        lines.append(f"- Commits: {report.commits_total}")
        lines += [f"  - {escape(short)} {escape(subject)}" for short, subject in report.commits]
        more = report.commits_total - len(report.commits)
        if more > 0:
            lines.append(f"  - and {more} more")
    if report.warnings:
        lines.append("- Warnings:")
        lines += [f"  - {escape(w)}" for w in report.warnings]
    if report.command:
        lines += ["", "Reproduce:", "", fence(report.command, "sh")]
    lines += ["", "</details>"]
    return lines


def sweep_to_markdown(sweep: SweepReport) -> str:
    report = sweep.first_last
    parts = [
        f"**perf-waterfall sweep** of {escape(sweep.key)} at {_ref_name(report.head)}: "
        f"{report.frames} frames × {report.rounds} rounds per value",
    ]
    for name in sweep.scenario_names():
        parts += ["", f"**{escape(name)}**", ""]
        parts.append(
            f"| {escape(sweep.key)} | Frame time (ms) | IPC / frame (ms) | Per hop (ms) | "
            "Max fps | IPC vs first | Frame vs first |"
        )
        parts.append("|---|---:|---:|---:|---:|---|---|")
        for value, sc in sweep.rows(name):
            first = sweep.comparisons[0].get(name)
            if sc is None and first is not None:
                cells = [
                    numbers.ms(first.frame.base.median),
                    numbers.ms(first.ipc.base.median),
                    numbers.ms(first.per_hop("base")),
                    numbers.fps(first.base_fps),
                    "baseline",
                    "baseline",
                ]
            elif sc is not None:
                cells = [
                    numbers.ms(sc.frame.head.median),
                    numbers.ms(sc.ipc.head.median),
                    numbers.ms(sc.per_hop("head")),
                    numbers.fps(sc.head_fps),
                    _change_md(sc.ipc),
                    _change_md(sc.frame),
                ]
            else:
                cells = ["-"] * 6
            parts.append("| " + " | ".join([escape(value), *cells]) + " |")
    waterfall = waterfall_text(report, WATERFALL_WIDTH)
    if waterfall:
        parts += ["", fence(waterfall)]
    parts += ["", *_details(report)]
    return "\n".join(parts) + "\n"


def _change_md(change: Change) -> str:
    text = escape(numbers.change_text(change))
    return f"**{text}**" if change.significant else text
