"""The differential flamegraph as one self-contained SVG: inline style and script, no
network resource, usable standalone or inlined in the HTML export.

Drawn top-down (an icicle, like the waterfall reads): the process towers on top, named by
stage, their stacks below; under it the frames only base reached, in base's shape. Two
views are drawn, start-up folded (shown first) and start-up expanded; the script toggles
them, zooms on click and searches.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from perfwaterfall.flamegraph.layout import (
    Box,
    gone_width,
    head_width,
    layout,
    max_real_delta,
)
from perfwaterfall.flamegraph.script import SCRIPT, STYLE, SVG_ID, fitted_label
from perfwaterfall.flamegraph.tree import DiffFlamegraph, DiffNode, DiffTree
from perfwaterfall.present import numbers
from perfwaterfall.present.numbers import NOISE_MARK
from perfwaterfall.present.profile_text import samples_text

WIDTH = 1200
LEFT = 10
PANEL_WIDTH = WIDTH - 2 * LEFT
FRAME_HEIGHT = 17
MAIN_TOP = 96
GAP = 44  # between the main panel and the "only in base" panel


def to_svg(diff: DiffFlamegraph) -> str:
    """The whole document, deterministic for the same profile."""
    max_delta = max(max_real_delta(diff.folded), max_real_delta(diff.full))
    views = [_view(diff, tree, max_delta) for tree in (diff.folded, diff.full)]
    height = views[0][1] + 30  # the folded view's; the script resizes for the other
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        f'<svg id="{SVG_ID}" xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'data-left="{LEFT}" data-panel-width="{PANEL_WIDTH}">',
        f"<style>{STYLE}</style>",
        f'<rect class="pw-background" x="0" y="0" width="{WIDTH}" height="{height}" '
        'fill="rgb(250,250,250)"/>',
        *_header(diff),
        *(markup for markup, _ in views),
        f'<text class="pw-note pw-details" x="{LEFT}" y="{MAIN_TOP - 4}"> </text>',
        f"<script><![CDATA[{SCRIPT}]]></script>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _header(diff: DiffFlamegraph) -> list[str]:
    base, head = numbers.one_line(diff.base_label), numbers.one_line(diff.head_label)
    title = f"Where the time moved in {numbers.one_line(diff.scenario)}: {base} → {head}"
    legend = (
        f"width: ms per frame at {head} · red: self time grew · blue: shrank · "
        f"grey: unchanged or within sampling noise ({NOISE_MARK}) · click to zoom"
    )
    samples = (
        f"{samples_text(diff.base.samples, len(diff.base.rounds))} at {base}, "
        f"{samples_text(diff.head.samples, len(diff.head.rounds))} at {head} "
        f"(py-spy at {diff.head.rate} Hz, {diff.head.frames} frames a round)"
    )
    y = 64
    return [
        f'<text class="pw-heading" x="{LEFT}" y="20">{escape(title)}</text>',
        f'<text class="pw-note" x="{LEFT}" y="38">{escape(legend)}</text>',
        f'<text class="pw-note" x="{LEFT}" y="54">{escape(samples)}</text>',
        f'<text class="pw-button" data-action="reset" x="{LEFT}" y="{y + 16}">[reset zoom]</text>',
        f'<text class="pw-button" data-action="search" x="{LEFT + 110}" y="{y + 16}">'
        "[search]</text>",
        f'<text class="pw-button" data-action="clear" x="{LEFT + 180}" y="{y + 16}">'
        "[clear search]</text>",
        f'<text class="pw-button" data-action="startup" x="{LEFT + 300}" y="{y + 16}">'
        "[show start-up stacks]</text>",
        f'<text class="pw-note pw-matched" x="{LEFT + 500}" y="{y + 16}"></text>',
    ]


def _view(diff: DiffFlamegraph, tree: DiffTree, max_delta: float) -> tuple[str, int]:
    """One view's markup (main panel, then the "only in base" panel) and its bottom."""
    main = layout(tree, head_width, PANEL_WIDTH, max_delta)
    gone = layout(tree, gone_width, PANEL_WIDTH, max_delta)
    gone_top = MAIN_TOP + _depth(main) * FRAME_HEIGHT + GAP
    name = "folded" if tree.startup_folded else "full"
    hidden = "" if tree.startup_folded else ' style="display:none"'
    bottom = gone_top + max(_depth(gone), 1) * FRAME_HEIGHT
    base = numbers.one_line(diff.base_label)
    gone_ms = sum(t.gone_ms for t in tree.towers)
    heading = (
        f"Only at {base}: {numbers.ms(gone_ms)} ms per frame in frames "
        f"{numbers.one_line(diff.head_label)} never reached (drawn in {base}'s shape)"
        if gone
        else f"Only at {base}: no frame that {numbers.one_line(diff.head_label)} never reached"
    )
    lines = [
        f'<g class="pw-view" data-view="{name}" data-height="{bottom + 30}"{hidden}>',
        _panel("main", main, MAIN_TOP),
        f'<text class="pw-heading" x="{LEFT}" y="{gone_top - 10}">{escape(heading)}</text>',
        _panel("gone", gone, gone_top),
        "</g>",
    ]
    return "\n".join(lines), bottom


def _depth(boxes: list[Box]) -> int:
    return max((b.depth for b in boxes), default=-1) + 1


def _panel(name: str, boxes: list[Box], top: int) -> str:
    frames = "\n".join(_frame(box, top) for box in boxes)
    return f'<g class="pw-panel" data-panel="{name}" data-top="{top}">\n{frames}\n</g>'


def _frame(box: Box, top: int) -> str:
    node = box.node
    name = numbers.one_line(node.name)
    y = top + box.depth * FRAME_HEIGHT
    tower = " pw-tower" if box.depth == 0 else ""
    tower += " pw-dark" if box.dark else ""
    attributes = (
        f'class="pw-frame{tower}" data-x="{box.x:.2f}" data-w="{box.width:.2f}" '
        f'data-d="{box.depth}" data-name={quoteattr(name)} '
        f'data-real="{str(node.own.real).lower()}"'
    )
    return (
        f"<g {attributes}><title>{escape(_tooltip(node))}</title>"
        f'<rect x="{LEFT + box.x:.2f}" y="{y}" width="{box.width:.2f}" '
        f'height="{FRAME_HEIGHT - 1}" rx="2" fill="{box.fill}"/>'
        f'<text x="{LEFT + box.x + 3:.2f}" y="{y + FRAME_HEIGHT - 5}">'
        f"{escape(fitted_label(name, box.width))}</text></g>"
    )


def self_change(node: DiffNode) -> str:
    """'-1.10 ± 0.300 ms' for a real change, '~ +0.050 ± 0.300 ms' within sampling noise."""
    own = node.own
    text = f"{numbers.signed_ms(own.delta)} ± {numbers.ms(own.uncertainty_ms)} ms"
    return text if own.real else f"{NOISE_MARK} {text}"


def _tooltip(node: DiffNode) -> str:
    own = node.own
    verdict = "real" if own.real else "within sampling noise"
    return "\n".join(
        [
            numbers.one_line(node.name),
            f"in {numbers.one_line(node.path[0])}",
            f"self: {numbers.ms(own.base_ms)} → {numbers.ms(own.head_ms)} ms per frame, "
            f"{self_change(node)} ({verdict})",
            f"total: {numbers.ms(node.base_ms)} → {numbers.ms(node.head_ms)} ms per frame",
        ]
    )


def to_html_fragment(diff: DiffFlamegraph) -> str:
    """The SVG without its XML declaration, under a heading, to inline in an HTML page."""
    svg = to_svg(diff).split("\n", 1)[1]
    return f'<section class="pw-diff-flamegraph">\n{svg}</section>'
