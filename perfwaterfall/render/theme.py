"""Every colour perf-waterfall draws with, in one place.

A calm brand palette carries structure (borders, headings, axis, stage kinds);
conventional green and red are kept for diagnostic signals only, and grey says
"not a real change". Rich downsamples these truecolor values to 256 or 8
colours, and drops them for NO_COLOR or a non-terminal, on its own.
"""

from __future__ import annotations

from rich.theme import Theme

BRAND = "#5B7DB1"
BRAND_LIGHT = "#A9C4EB"
BRAND_ACCENT = "#B79CED"

FILTER_WORK = "#4F8FD6"
IPC_HOP = "#E8A33D"
OTHER_STAGE = "#8A94A6"

FASTER = "#3FB950"
SLOWER = "#F85149"
NOISE = "#7D8590"
WARNING = "#D29922"

STYLES = {
    "pw.border": BRAND,
    "pw.title": f"bold {BRAND_LIGHT}",
    "pw.heading": f"bold {BRAND_LIGHT}",
    "pw.label": BRAND_LIGHT,
    "pw.ref": f"bold {BRAND_ACCENT}",
    "pw.sha": BRAND_ACCENT,
    "pw.dim": NOISE,
    "pw.axis": BRAND,
    "pw.stage.filter": FILTER_WORK,
    "pw.stage.ipc": IPC_HOP,
    "pw.stage.other": OTHER_STAGE,
    "pw.faster": f"bold {FASTER}",
    "pw.slower": f"bold {SLOWER}",
    "pw.noise": NOISE,
    "pw.undecided": f"italic {WARNING}",
    "pw.warning": WARNING,
    "pw.warning.border": WARNING,
    "pw.error": f"bold {SLOWER}",
    "pw.error.border": SLOWER,
}


def make_theme() -> Theme:
    """The theme for one console.

    rich caches a style's ANSI codes on the (shared, cached) Style objects whatever
    the colour system, so one process should draw with one colour system: a CLI run
    does; tests of other colour systems run in a process of their own.
    """
    return Theme(STYLES)


def stage_style(kind: str) -> str:
    return {"filter": "pw.stage.filter", "ipc": "pw.stage.ipc"}.get(kind, "pw.stage.other")
