"""The one number a bisect follows: a pipeline's frame time, its IPC overhead or a stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.comparison import (
    MIN_STAGE_EFFECT_MS,
    ScenarioComparison,
    ipc_threshold_pct,
    summarize_round,
)
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.protocol.document import RoundResult

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

    def per_round(self, rounds: Sequence[RoundResult]) -> list[float]:
        """The quantity's value in each round (its median over frames), as compare reduces it;
        rounds without the stage are left out, as compare leaves them out."""
        summaries = [summarize_round(r) for r in rounds]
        if self.stage == FRAME:
            return [s.frame_ms for s in summaries]
        if self.stage == IPC:
            return [s.ipc_ms for s in summaries]
        return [v for s in summaries if (v := s.stage_ms.get(self.stage)) is not None]

    def margin(self, base: Sequence[RoundResult], threshold_pct: float) -> tuple[float, float]:
        """The threshold (%) and the floor (ms) compare judges this quantity with against
        ``base``: IPC's threshold is relative to the frame, stages and IPC have a floor."""
        if self.stage == FRAME:
            return threshold_pct, 0.0
        if self.stage == IPC:
            frame, ipc = Quantity(self.scenario, FRAME), self
            threshold = ipc_threshold_pct(threshold_pct, frame.per_round(base), ipc.per_round(base))
            return threshold, MIN_STAGE_EFFECT_MS
        return threshold_pct, MIN_STAGE_EFFECT_MS

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
