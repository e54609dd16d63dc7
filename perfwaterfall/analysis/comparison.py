"""Pair base and head rounds into per-stage and per-scenario changes (pure functions).

Each round is reduced to one value per quantity (the median over its frames);
the comparison then runs on those per-round values (see stats.py for why).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.stats import Change, geometric_mean
from perfwaterfall.analysis.unpaired import judge_unpaired
from perfwaterfall.analysis.verdict import Design, judge
from perfwaterfall.protocol.document import RoundResult, Stage

# Below this a stage change is under what a multi-process pipeline can resolve
# (scheduler wake-up jitter alone is tens of microseconds on this class of machine).
MIN_STAGE_EFFECT_MS = 0.05


@dataclass(frozen=True)
class RoundSummary:
    """One round reduced to medians over its frames."""

    frame_ms: float
    ipc_ms: float
    stage_ms: dict[str, float]
    substage_ms: dict[tuple[str, ...], float] = field(default_factory=dict)  # by path


@dataclass(frozen=True)
class StageChange:
    """A stage matched by name across sides (a sub-stage by its path); one side is None
    when it exists only once."""

    name: str
    kind: str
    change: Change | None
    base_ms: float | None
    head_ms: float | None
    parent: tuple[str, ...] = ()  # a sub-stage's parent path; () for a stage of the frame

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.parent, self.name)

    @property
    def depth(self) -> int:
        return len(self.parent)


@dataclass(frozen=True)
class ScenarioComparison:
    name: str
    label: str
    base_stages: tuple[Stage, ...]
    head_stages: tuple[Stage, ...]
    stages: tuple[StageChange, ...]
    frame: Change
    ipc: Change
    base_hops: int
    head_hops: int
    rounds: tuple[int, int]
    frames: tuple[int, int]
    substages: tuple[StageChange, ...] = ()  # parts of stages, parents listed first

    def stage(self, name: str) -> StageChange | None:
        return next((s for s in self.stages if s.name == name), None)

    def substage(self, *path: str) -> StageChange | None:
        return next((s for s in self.substages if s.path == path), None)

    @property
    def base_fps(self) -> float:
        return fps(self.frame.base.median)

    @property
    def head_fps(self) -> float:
        return fps(self.frame.head.median)

    def per_hop(self, side: str) -> float | None:
        hops = self.base_hops if side == "base" else self.head_hops
        ipc = self.ipc.base.median if side == "base" else self.ipc.head.median
        return ipc / hops if hops else None


@dataclass(frozen=True)
class Comparison:
    scenarios: tuple[ScenarioComparison, ...]
    threshold_pct: float
    design: Design | None = None  # the family the verdicts' levels were set for
    paired: bool = True  # False: separate runs, rounds judged as two samples (unpaired.py)
    # Beside every verdict when the two runs were not alike (other machine, frames or
    # warm-up), e.g. '! machines differ'; ``unlike`` says what differed, in words.
    caveat: str = ""
    unlike: tuple[str, ...] = ()

    @property
    def geomean_ratio(self) -> float | None:
        """Geometric mean of head/base frame time across scenarios (< 1 is faster)."""
        return geometric_mean([s.frame.ratio for s in self.scenarios])

    def get(self, name: str) -> ScenarioComparison | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def most_changed(self) -> ScenarioComparison | None:
        """The scenario whose frame time moved most, preferring real changes over noise."""
        if not self.scenarios:
            return None
        return max(self.scenarios, key=lambda s: (s.frame.significant, abs(s.frame.percent)))


def fps(frame_ms: float) -> float:
    return 1000.0 / frame_ms if frame_ms > 0 else 0.0


def summarize_round(result: RoundResult) -> RoundSummary:
    """Frame time and IPC from the stages alone: sub-stages are parts of them, never added."""
    ipc = result.ipc_indices
    return RoundSummary(
        frame_ms=statistics.median(sum(row) for row in result.samples_ms),
        ipc_ms=statistics.median(sum(row[i] for i in ipc) for row in result.samples_ms),
        stage_ms={
            stage.name: statistics.median(row[i] for row in result.samples_ms)
            for i, stage in enumerate(result.stages)
        },
        substage_ms={
            stage.path: statistics.median(row[i] for row in result.substage_samples_ms)
            for i, stage in enumerate(result.substages)
        },
    )


def compare_scenario(
    base: Sequence[RoundResult],
    head: Sequence[RoundResult],
    *,
    threshold_pct: float,
    design: Design | None = None,
    paired: bool = True,
) -> ScenarioComparison:
    """Compare one scenario's rounds; both sides need at least one round. ``paired``:
    round i of base ran next to round i of head; else they are two separate samples."""
    if not base or not head:
        raise ValueError("compare_scenario needs rounds on both sides")
    b_sum = [summarize_round(r) for r in base]
    h_sum = [summarize_round(r) for r in head]
    b_stages, h_stages = base[-1].stages, head[-1].stages

    if design is None:
        design = Design(frame_quantities=1, other_quantities=len(quantity_names(base, head)) - 1)

    def change(
        values_b: list[float],
        values_h: list[float],
        floor: float = 0.0,
        *,
        frame: bool = False,
        threshold: float = threshold_pct,
    ) -> Change:
        return (judge if paired else judge_unpaired)(
            values_b,
            values_h,
            detection_alpha=design.detection_alpha(frame=frame),
            equivalence_alpha=design.equivalence_alpha,
            threshold_pct=threshold,
            floor=floor,
        )

    b_frame = [r.frame_ms for r in b_sum]
    b_ipc = [r.ipc_ms for r in b_sum]

    def stage_change(st: Stage) -> StageChange:
        """A stage or sub-stage: judged like any quantity when both sides have it."""
        b_values = [v for r in b_sum if (v := _stage_ms(r, st)) is not None]
        h_values = [v for r in h_sum if (v := _stage_ms(r, st)) is not None]
        in_b, in_h = bool(b_values), bool(h_values)
        ch = change(b_values, h_values, MIN_STAGE_EFFECT_MS) if in_b and in_h else None
        return StageChange(
            name=st.name,
            kind=st.kind,
            change=ch,
            base_ms=statistics.median(b_values) if in_b else None,
            head_ms=statistics.median(h_values) if in_h else None,
            parent=st.parent,
        )

    return ScenarioComparison(
        name=head[-1].scenario.name,
        label=head[-1].scenario.label or base[-1].scenario.label,
        base_stages=b_stages,
        head_stages=h_stages,
        stages=tuple(stage_change(st) for st in _union_in_order(b_stages, h_stages)),
        frame=change(b_frame, [r.frame_ms for r in h_sum], frame=True),
        ipc=change(
            b_ipc,
            [r.ipc_ms for r in h_sum],
            MIN_STAGE_EFFECT_MS,
            threshold=ipc_threshold_pct(threshold_pct, b_frame, b_ipc),
        ),
        base_hops=len(base[-1].ipc_indices),
        head_hops=len(head[-1].ipc_indices),
        rounds=(len(base), len(head)),
        frames=(len(base[-1].samples_ms), len(head[-1].samples_ms)),
        substages=tuple(
            stage_change(st) for st in _union_in_order(base[-1].substages, head[-1].substages)
        ),
    )


def ipc_threshold_pct(
    threshold_pct: float, frame_ms: Sequence[float], ipc_ms: Sequence[float]
) -> float:
    """IPC is *same* when its change is within ±threshold of the frame time: IPC is a part
    of the frame, and 2% of a 2 ms IPC is a change no reader of the frame would notice."""
    frame, ipc = statistics.median(frame_ms), statistics.median(ipc_ms)
    if not (ipc > 0 and frame > ipc and math.isfinite(frame / ipc)):
        return threshold_pct
    return threshold_pct * frame / ipc


def quantity_names(
    base: Sequence[RoundResult], head: Sequence[RoundResult]
) -> list[str | tuple[str, ...]]:
    """What one scenario's comparison judges: frame time, IPC, each stage on both sides,
    and each sub-stage (by path) on both sides.

    Sub-stages are more comparisons of the same family: each is one more claim a reader
    may act on ("serialize got slower"), so each takes its share of the half of ALPHA
    that stages and IPC share (verdict.py), exactly as a stage does. The guarantee that
    an A/A comparison calls nothing real with probability above ALPHA then still holds
    for every verdict drawn. Frame times keep their own half: nesting never weakens
    the headline or the gate.
    """
    shared = {s.name for s in base[-1].stages} & {s.name for s in head[-1].stages}
    shared_paths = {s.path for s in base[-1].substages} & {s.path for s in head[-1].substages}
    return [
        "frame",
        "ipc",
        *(s.name for s in head[-1].stages if s.name in shared),
        *(s.path for s in head[-1].substages if s.path in shared_paths),
    ]


def _stage_ms(summary: RoundSummary, stage: Stage) -> float | None:
    """The round's median of a stage (by name) or a sub-stage (by path); None if absent."""
    if stage.parent:
        return summary.substage_ms.get(stage.path)
    return summary.stage_ms.get(stage.name)


def _union_in_order(a: Sequence[Stage], b: Sequence[Stage]) -> list[Stage]:
    """Stages of both sides in frame order: head's order, with base-only stages
    slotted in after the stage they followed in base. Matched by path: a sub-stage
    is the same only under the same parent."""
    out = list(b)
    paths = {s.path for s in b}
    for i, st in enumerate(a):
        if st.path in paths:
            continue
        prev = a[i - 1].path if i else None
        pos = next((j + 1 for j, s in enumerate(out) if s.path == prev), 0)
        out.insert(pos, st)
        paths.add(st.path)
    return out


def compare_family(
    scenarios: Sequence[tuple[Sequence[RoundResult], Sequence[RoundResult]]],
    *,
    threshold_pct: float,
    looks: int = 1,
    paired: bool = True,
) -> Comparison:
    """Every scenario's rounds (base, head) judged as one family: levels account for all
    quantities of all scenarios and for every look adaptive rounds may take. ``paired``
    False judges separate runs unpaired, at the same levels."""
    design = Design(
        frame_quantities=len(scenarios),
        other_quantities=sum(len(quantity_names(b, h)) - 1 for b, h in scenarios),
        looks=looks,
    )
    return Comparison(
        scenarios=tuple(
            compare_scenario(b, h, threshold_pct=threshold_pct, design=design, paired=paired)
            for b, h in scenarios
        ),
        threshold_pct=threshold_pct,
        design=design,
        paired=paired,
    )
