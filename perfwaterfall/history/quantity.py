"""The one number a bisect follows: a pipeline's frame time, its IPC overhead or a stage."""

from __future__ import annotations

from dataclasses import dataclass

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.stats import Change, Verdict

FRAME = "frame"
IPC = "ipc"


@dataclass(frozen=True)
class Quantity:
    scenario: str
    stage: str  # FRAME, IPC, or a stage's name

    def of(self, comparison: ScenarioComparison) -> Change | None:
        if self.stage == FRAME:
            return comparison.frame
        if self.stage == IPC:
            return comparison.ipc
        found = comparison.stage(self.stage)
        return None if found is None else found.change

    def describe(self) -> str:
        what = {FRAME: "frame time", IPC: "IPC overhead"}.get(self.stage, f"stage {self.stage}")
        return f"{what} of {self.scenario}"


def most_regressed(comparisons: list[ScenarioComparison]) -> Quantity | None:
    """The slower stage that gained the most ms; else a slower frame time, else IPC."""
    stages = [
        (s.change.delta, Quantity(c.name, s.name))
        for c in comparisons
        for s in c.stages
        if s.change is not None and s.change.verdict is Verdict.SLOWER
    ]
    if stages:
        return max(stages, key=lambda item: item[0])[1]
    for stage in (FRAME, IPC):
        slower = [
            (Quantity(c.name, stage).of(c), c.name)
            for c in comparisons
            if (ch := Quantity(c.name, stage).of(c)) is not None and ch.verdict is Verdict.SLOWER
        ]
        if slower:
            best = max(slower, key=lambda item: item[0].delta if item[0] else 0.0)
            return Quantity(best[1], stage)
    return None
