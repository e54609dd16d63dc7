"""Where a log series stepped, per column: the change-point test over every commit's rounds.

All columns of one pipeline are one family, as its adjacent steps are: the frame time
takes its share of ALPHA (as in a comparison) and the stages split the rest, so a flat
pipeline shows a change point in any column with probability at most ALPHA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.changepoint import ChangePoint, change_points
from perfwaterfall.analysis.comparison import RoundSummary
from perfwaterfall.analysis.verdict import ALPHA, FRAME_SHARE


@dataclass(frozen=True)
class ColumnChanges:
    frame: tuple[ChangePoint, ...] = ()
    stages: dict[str, tuple[ChangePoint, ...]] = field(default_factory=dict)

    def at(self, index: int, stage: str | None = None) -> ChangePoint | None:
        """The change point of the frame time (or ``stage``) whose first point is ``index``."""
        found = self.frame if stage is None else self.stages.get(stage, ())
        return next((c for c in found if c.index == index), None)


def column_changes(
    rounds: Sequence[Sequence[RoundSummary]], stages: Sequence[str]
) -> ColumnChanges:
    """``rounds[i]``: the summaries of point i's rounds (none for a failed point)."""
    frame = change_points(
        [[r.frame_ms for r in point] for point in rounds], alpha=ALPHA * FRAME_SHARE
    )
    stage_alpha = ALPHA * (1 - FRAME_SHARE) / max(1, len(stages))
    by_stage = {
        name: tuple(
            change_points(
                [[r.stage_ms[name] for r in point if name in r.stage_ms] for point in rounds],
                alpha=stage_alpha,
            )
        )
        for name in stages
    }
    return ColumnChanges(tuple(frame), by_stage)
