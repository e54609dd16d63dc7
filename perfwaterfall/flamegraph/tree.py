"""The differential flamegraph's data: head's and base's stacks merged into one tree.

Stacks are redrawn to read like the waterfall: one root tower per stage process, named by
stage and in frame order, the harness's own process last; runpy's frames dropped; and, in
the folded view, every import-time stack of a process folded into one ``[start-up]`` frame.
Each node carries its total time per frame on both sides and its self-time change with
its sampling noise (``profile/noise.py``: the same rule as the movers table, its ``z`` set
over every node of the tree).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from perfwaterfall.profile.folded import HARNESS_LABEL, Stack, is_import, is_label
from perfwaterfall.profile.noise import Estimate, SideSamples, estimates, side_ms

STARTUP = "[start-up: imports]"
_RUNPY = "(<frozen runpy>)"

Path = tuple[str, ...]  # (tower, frame, frame, ...)


@dataclass
class DiffNode:
    """One frame of the merged tree; ``path`` starts with the process tower's name."""

    path: Path
    base_ms: float  # total time per frame on base (this frame and below)
    head_ms: float
    own: Estimate  # self time: the frame itself on top of the stack
    children: list[DiffNode] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def gone_ms(self) -> float:
        """Base's time per frame in frames of this subtree that head never reached."""
        own = self.own.base_ms if self.head_ms == 0 else 0.0
        return own + sum(c.gone_ms for c in self.children)


@dataclass(frozen=True)
class DiffTree:
    """The towers of one view (start-up folded or shown), in drawing order."""

    towers: tuple[DiffNode, ...]
    startup_folded: bool

    def nodes(self) -> list[DiffNode]:
        out: list[DiffNode] = []
        stack = list(reversed(self.towers))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


def tower_stack(stack: Stack, *, fold_startup: bool) -> Path:
    """(tower, frames...) of one sampled stack: the innermost process names the tower."""
    processes = [i for i, f in enumerate(stack) if is_label(f) and not f.startswith("[thread")]
    if processes:
        tower, rest = stack[processes[-1]][1:-1], stack[processes[-1] + 1 :]
    else:
        tower, rest = HARNESS_LABEL, stack
    if fold_startup and is_import(stack):
        return (tower, STARTUP)
    return (tower, *(f for f in rest if not f.endswith(_RUNPY)))


def build_tree(
    base: SideSamples, head: SideSamples, stages: Sequence[str], *, fold_startup: bool
) -> DiffTree:
    """Merge both sides' stacks; ``stages`` orders the towers (pipeline order)."""

    def own_key(stack: Stack) -> tuple[Path]:
        return (tower_stack(stack, fold_startup=fold_startup),)

    def all_prefixes(stack: Stack) -> list[Path]:
        path = tower_stack(stack, fold_startup=fold_startup)
        return [path[: i + 1] for i in range(len(path))]

    own = estimates(base, head, own_key)
    base_totals, head_totals = base.counts(all_prefixes), head.counts(all_prefixes)
    nodes: dict[Path, DiffNode] = {}
    for path in sorted(base_totals.keys() | head_totals.keys()):
        nodes[path] = DiffNode(
            path=path,
            base_ms=side_ms(base_totals.get(path, []), base),
            head_ms=side_ms(head_totals.get(path, []), head),
            own=own.get(path) or Estimate(0.0, 0.0, 0.0),
        )
        if len(path) > 1:
            nodes[path[:-1]].children.append(nodes[path])
    towers = [n for p, n in nodes.items() if len(p) == 1]
    return DiffTree(tuple(sorted(towers, key=_tower_order(stages))), fold_startup)


def _tower_order(stages: Sequence[str]) -> Callable[[DiffNode], tuple[int, int, str]]:
    """Stages in frame order, then other processes by name, the harness last."""
    rank = {name: i for i, name in enumerate(stages)}

    def key(node: DiffNode) -> tuple[int, int, str]:
        name = node.name
        if name == HARNESS_LABEL:
            return (2, 0, name)
        return (0, rank[name], name) if name in rank else (1, 0, name)

    return key


@dataclass(frozen=True)
class DiffFlamegraph:
    """Everything the differential flamegraph of one pipeline shows: both views (start-up
    folded, start-up shown) and the samples behind each side."""

    scenario: str
    base_label: str
    head_label: str
    folded: DiffTree
    full: DiffTree
    base: SideSamples
    head: SideSamples


def diff_flamegraph(
    scenario: str,
    labels: tuple[str, str],
    base: SideSamples,
    head: SideSamples,
    stages: Sequence[str],
) -> DiffFlamegraph:
    return DiffFlamegraph(
        scenario=scenario,
        base_label=labels[0],
        head_label=labels[1],
        folded=build_tree(base, head, stages, fold_startup=True),
        full=build_tree(base, head, stages, fold_startup=False),
        base=base,
        head=head,
    )
