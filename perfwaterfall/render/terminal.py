"""The whole terminal rendering of a Report, and the consoles it is drawn on."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from typing import IO

from rich.console import Console, RenderableType

from perfwaterfall.analysis.report import Report
from perfwaterfall.render.panels import commits_panel, failure_panel, header_panel, warnings_panel
from perfwaterfall.render.profile import movers_panel
from perfwaterfall.render.summary import summary_table
from perfwaterfall.render.theme import make_theme
from perfwaterfall.render.waterfall import waterfall_panel

# Wider than this, the waterfall bars stop gaining precision and start costing readability.
MAX_WIDTH = 140
# Width for pipes and CI logs, which have no size of their own.
PIPE_WIDTH = 120


def make_console(
    *,
    file: IO[str] | None = None,
    no_color: bool = False,
    width: int | None = None,
    stderr: bool = False,
    record: bool = False,
) -> Console:
    """A themed console; rich handles non-TTYs and 256/8-colour terminals."""
    if width is None and file is None and "COLUMNS" not in os.environ:
        stream = sys.stderr if stderr else sys.stdout
        if not stream.isatty():  # a pipe or a CI log: rich would assume 80 columns
            width = PIPE_WIDTH
    # NO_COLOR (or --no-color) means no escape sequence at all: rich alone would still
    # write bold and dim. A recording console (SVG, HTML) keeps its colours.
    plain = (no_color or bool(os.environ.get("NO_COLOR"))) and not record
    return Console(
        file=file,
        stderr=stderr,
        theme=make_theme(),
        no_color=no_color or None,  # None lets rich read NO_COLOR from the environment
        color_system=None if plain else "auto",
        width=width,
        record=record,
        highlight=False,
        emoji=False,
    )


def report_renderables(report: Report, width: int) -> list[RenderableType]:
    parts: list[RenderableType | None] = [header_panel(report), failure_panel(report)]
    if report.comparison.scenarios:
        parts.append(summary_table(report.comparison, width, busy=report.busy))
        chosen = report.waterfall_scenario()
        if chosen is not None:
            parts.append(
                waterfall_panel(
                    chosen,
                    report.base,
                    report.head,
                    width,
                    unfold=report.substages,
                    caveat=report.comparison.caveat,
                )
            )
    if report.profile is not None and report.profile.movers is not None:
        parts.append(
            movers_panel(
                report.profile.movers,
                base_label=report.base.label,
                head_label=report.head.label,
                svg_paths=report.profile.svg_paths,
            )
        )
    parts += [commits_panel(report), warnings_panel(report)]
    return [p for p in parts if p is not None]


def print_report(console: Console, report: Report) -> None:
    width = min(console.width, MAX_WIDTH)
    for part in report_renderables(report, width):
        console.print(part, width=width)


Draw = Callable[[Console], None]


def plain_text(draw: Draw, width: int = MAX_WIDTH) -> str:
    """A rendering without colour, for --output of the terminal format."""
    console = make_console(file=io.StringIO(), width=width, no_color=True)
    draw(console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def waterfall_text(report: Report, width: int = 100) -> str | None:
    """The waterfall panel as plain text (for a fenced block in markdown)."""
    chosen = report.waterfall_scenario()
    if chosen is None:
        return None
    return plain_text(
        lambda console: console.print(
            waterfall_panel(
                chosen,
                report.base,
                report.head,
                width,
                unfold=report.substages,
                caveat=report.comparison.caveat,
            )
        ),
        width,
    )


def recorded(draw: Draw, width: int = MAX_WIDTH) -> Console:
    """A rendering recorded in truecolor, ready for export_svg / export_html."""
    console = Console(
        file=io.StringIO(),
        width=width,
        record=True,
        force_terminal=True,
        color_system="truecolor",
        theme=make_theme(),
        highlight=False,
        emoji=False,
    )
    draw(console)
    return console
