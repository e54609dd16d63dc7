"""Where each frame of the differential flamegraph goes and what colour it is.

Widths are time per frame (head's for the main view, base's vanished time for the
"only in base" view), so a tower is as wide as its process's sampled milliseconds per frame.
Colours follow Brendan Gregg's flamegraph.pl differential palette: red where the frame's
self time grew, blue where it shrank, saturation by |change| / the largest |change|;
a change within sampling noise is drawn neutral, like a ``~`` stage in the waterfall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perfwaterfall.flamegraph.tree import DiffNode, DiffTree
from perfwaterfall.profile.folded import HARNESS_LABEL

NEUTRAL = "rgb(224,224,224)"
HARNESS_GAP = 12.0  # pixels between the stage towers and the harness's own process
# Narrower frames are left out (flamegraph.pl: 0.1 px): a start-up view of deep import
# stacks would otherwise weigh megabytes of frames nobody can point at.
MIN_PX = 1.0


@dataclass(frozen=True)
class Box:
    node: DiffNode
    x: float  # pixels from the left of the panel
    width: float
    fill: str

    @property
    def dark(self) -> bool:
        """A saturated fill, on which the label is drawn white."""
        return self.fill != NEUTRAL and int(self.fill[4:].split(",")[1]) < 110

    @property
    def depth(self) -> int:
        return self.node.depth


def colour(delta: float, max_delta: float, real: bool) -> str:
    """flamegraph.pl's ``color_scale``: rgb(255, g, g) for growth, rgb(r, r, 255) for
    shrinkage, with g (or r) = 210 * (max - |delta|) / max; neutral when not real."""
    if not real or delta == 0 or max_delta <= 0:
        return NEUTRAL
    fade = int(210 * (max_delta - min(abs(delta), max_delta)) / max_delta)
    return f"rgb(255,{fade},{fade})" if delta > 0 else f"rgb({fade},{fade},255)"


def max_real_delta(tree: DiffTree) -> float:
    """The largest real self-time change: full saturation."""
    return max((abs(n.own.delta) for n in tree.nodes() if n.own.real), default=0.0)


def layout(
    tree: DiffTree, width_of: Callable[[DiffNode], float], px: float, max_delta: float
) -> list[Box]:
    """Boxes in drawing order (each before its children), towers side by side, children
    left to right in the tree's order, a frame's children starting at its left edge.
    The harness's own process stands apart, after a gap."""
    total = sum(width_of(t) for t in tree.towers)
    if total <= 0:
        return []
    drawn = [t for t in tree.towers if width_of(t) > 0]
    gap = HARNESS_GAP if any(_apart(t) for t in drawn[1:]) else 0.0
    scale = (px - gap) / total
    boxes: list[Box] = []

    def place(node: DiffNode, x: float) -> None:
        width = width_of(node) * scale
        if width < MIN_PX:
            return
        boxes.append(Box(node, x, width, colour(node.own.delta, max_delta, node.own.real)))
        child_x = x
        for child in node.children:
            place(child, child_x)
            child_x += width_of(child) * scale

    x = 0.0
    for tower in drawn:
        if _apart(tower) and x > 0:
            x += gap
        place(tower, x)
        x += width_of(tower) * scale
    return boxes


def _apart(tower: DiffNode) -> bool:
    return tower.name == HARNESS_LABEL


def head_width(node: DiffNode) -> float:
    return node.head_ms


def gone_width(node: DiffNode) -> float:
    return node.gone_ms
