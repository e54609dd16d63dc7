"""Which stages unfold into their sub-stages, and in what order the rows then come.

Shared by every drawing of the waterfall (terminal, SVG, HTML, markdown's fenced
copy), so a hop unfolds the same way wherever it is read.
"""

from __future__ import annotations

from enum import StrEnum

from perfwaterfall.analysis.comparison import ScenarioComparison, StageChange
from perfwaterfall.analysis.stats import Verdict


class Unfold(StrEnum):
    """Which stages show their sub-stages (``--substages``)."""

    CHANGED = "changed"
    ALL = "all"
    NONE = "none"


def changed(stage: StageChange) -> bool:
    """Anything but a *same* (`~`): a verdict of news, an undecided one, or a side missing."""
    return stage.change is None or stage.change.verdict is not Verdict.SAME


def rows_in_order(sc: ScenarioComparison, mode: str = Unfold.CHANGED) -> list[StageChange]:
    """The stages in frame order, each followed by its sub-stages when it unfolds.

    ``all`` unfolds every stage that has parts, ``none`` none, and ``changed`` (the
    default) those with a part, at any depth, whose verdict is not *same*: the reader
    sees which part of a hop moved, and a pipeline that did not move keeps one row per
    stage. An unfolded stage shows all its parts, the unchanged ones too, for scale.
    """
    mode = Unfold(mode)  # a ValueError names an unknown mode
    children: dict[tuple[str, ...], list[StageChange]] = {}
    for sub in sc.substages:
        children.setdefault(sub.parent, []).append(sub)
    # Bottom-up (parents are listed before their parts): does anything inside a stage
    # show a change? Loops, not recursion: a hostile document may nest thousands deep.
    moved: set[tuple[str, ...]] = set()
    for sub in reversed(sc.substages):
        if changed(sub) or sub.path in moved:
            moved.add(sub.parent)

    def unfolds(stage: StageChange) -> bool:
        if stage.path not in children or mode is Unfold.NONE:
            return False
        return mode is Unfold.ALL or stage.path in moved

    out: list[StageChange] = []
    todo = list(reversed(sc.stages))
    while todo:
        stage = todo.pop()
        out.append(stage)
        if unfolds(stage):
            todo.extend(reversed(children[stage.path]))
    return out
