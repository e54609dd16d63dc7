"""One line of the dashboard as an inline SVG: per-commit intervals, the medians joined,
change points marked and linked to their waterfall. The hover text is the page's script
(page.py), reading the chart's numbers from the page's data; the SVG only draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from perfwaterfall.publish.history import Line, interval
from perfwaterfall.publish.marks import Mark
from perfwaterfall.results.rows import StoredCommit

WIDTH = 960
LEFT = 70
RIGHT = 12
TOP = 22
BOTTOM = 8
PLOT_WIDTH = WIDTH - LEFT - RIGHT
HEIGHTS = {0: 150, 1: 110}  # the frame, a stage; parts are smaller still
PART_HEIGHT = 84

Point = tuple[float, float, float] | None


@dataclass(frozen=True)
class Chart:
    svg: str
    points: list[Point]  # centre, low, high per commit (None: not measured)


def draw(
    chart_id: str,
    line: Line,
    commits: Sequence[StoredCommit],
    marks: Sequence[Mark],
    links: Mapping[int, str],
) -> Chart:
    points: list[Point] = [interval(r) if r else None for r in line.rounds]
    height = HEIGHTS.get(line.depth, PART_HEIGHT)
    plot_height = height - TOP - BOTTOM
    values = [v for p in points if p is not None for v in p]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.08 or max(abs(high) * 0.05, 1e-3)
    low, high = low - pad, high + pad
    n = max(1, len(points))
    step = PLOT_WIDTH / n

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * step

    def y(v: float) -> float:
        return TOP + (high - v) / (high - low) * plot_height

    bands = "".join(
        f"M{x(i):.1f} {y(p[2]):.1f}V{y(p[1]):.1f}" for i, p in enumerate(points) if p is not None
    )
    trail, previous = [], False
    for i, p in enumerate(points):
        if p is not None:
            trail.append(f"{'L' if previous else 'M'}{x(i):.1f} {y(p[0]):.1f}")
        previous = p is not None
    title = escape(line.name if line.depth else "frame time")
    parts = [
        f'<svg class="pw-chart depth-{min(line.depth, 2)}" id={quoteattr(chart_id)} '
        f'data-chart={quoteattr(chart_id)} data-n="{n}" data-left="{LEFT}" '
        f'data-plot-width="{PLOT_WIDTH}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text class="title" x="{LEFT}" y="14">{title} (ms)</text>',
        f'<text class="axis" x="{LEFT - 6}" y="{TOP + 8}">{high:.4g}</text>',
        f'<text class="axis" x="{LEFT - 6}" y="{height - BOTTOM}">{low:.4g}</text>',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{PLOT_WIDTH}" height="{plot_height}"/>',
        f'<path class="band" d="{bands}"/>',
        f'<path class="trail" d="{"".join(trail)}"/>',
        f'<line class="hover" x1="-9" x2="-9" y1="{TOP}" y2="{height - BOTTOM}"/>',
    ]
    for mark in marks:
        point = points[mark.index]
        if point is None:
            continue
        commit = commits[mark.index]
        cx, cy = x(mark.index), y(point[0])
        label = f"{mark.step_pct:+.1f}% at {commit.short}"
        parts.append(
            f'<a class="cp-link" href={quoteattr(links[mark.index])} '
            f"data-commit={quoteattr(commit.sha)} data-line={quoteattr(line.name)}>"
            f'<line class="cp-rule" x1="{cx:.1f}" x2="{cx:.1f}" y1="{TOP}" '
            f'y2="{height - BOTTOM}"/><circle class="cp" cx="{cx:.1f}" cy="{cy:.1f}" r="6" '
            f'data-index="{mark.index}"/>'
            f'<text class="cp-label" x="{cx + 8:.1f}" y="{TOP + 11}">{escape(label)}</text></a>'
        )
    parts.append("</svg>")
    return Chart("".join(parts), [_rounded(p) for p in points])


def _rounded(point: Point) -> Point:
    if point is None:
        return None
    centre, low, high = point
    return (float(f"{centre:.5g}"), float(f"{low:.5g}"), float(f"{high:.5g}"))
