"""Change points of every line of a pipeline, by the test ``log`` uses (analysis/changepoint.py).

They are recomputed from the rows on every publish, so a commit recorded later moves
or confirms them. The error level is shared by the lines of one pipeline (a
pipeline with fifteen stages and parts does not get fifteen chances to mark noise).
"""

from __future__ import annotations

from dataclasses import dataclass

from perfwaterfall.analysis.changepoint import change_points
from perfwaterfall.publish.history import Line, PipelineHistory

ALPHA = 0.05  # per pipeline, split over its lines
MIN_SEGMENT = 2  # commits on each side of a step: one odd commit is not a step


@dataclass(frozen=True)
class Mark:
    line: str
    depth: int
    index: int  # the first commit after the step, into the history's commits
    previous: int  # the commit before it that has rounds of this line
    before_ms: float
    after_ms: float
    low_pct: float
    high_pct: float

    @property
    def step_pct(self) -> float:
        return (self.after_ms - self.before_ms) / self.before_ms * 100 if self.before_ms else 0.0


def marks_of(history: PipelineHistory) -> list[Mark]:
    alpha = ALPHA / max(1, len(history.lines))
    return [m for line in history.lines for m in _line_marks(line, alpha)]


def _line_marks(line: Line, alpha: float) -> list[Mark]:
    kept = [i for i, rounds in enumerate(line.rounds) if rounds]
    if len(kept) < 2 * MIN_SEGMENT:
        return []
    found = change_points([line.rounds[i] for i in kept], alpha=alpha, min_segment=MIN_SEGMENT)
    return [
        Mark(
            line=line.name,
            depth=line.depth,
            index=kept[cp.index],
            previous=kept[cp.index - 1],
            before_ms=cp.before_ms,
            after_ms=cp.after_ms,
            low_pct=cp.low_pct,
            high_pct=cp.high_pct,
        )
        for cp in found
        if 0 < cp.index < len(kept)
    ]
