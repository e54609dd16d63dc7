"""Pair base and head rounds into per-stage and per-scenario changes (pure functions).

Each round is reduced to one value per quantity (the median over its frames);
the comparison then runs on those per-round values (see stats.py for why).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.family import Quantity, QuantityKey, judge_family
from perfwaterfall.analysis.moderation import FamilyPrior
from perfwaterfall.analysis.stats import Change, geometric_mean
from perfwaterfall.analysis.verdict import Design
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
    prior: FamilyPrior | None = None  # the variance prior each quantity was moderated toward
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
    base: Sequence[RoundResult], head: Sequence[RoundResult], *, threshold_pct: float
) -> ScenarioComparison:
    """Compare one scenario's rounds as a family of its own; both sides need a round."""
    return compare_family([(base, head)], threshold_pct=threshold_pct).scenarios[0]


@dataclass(frozen=True)
class _Measured:
    """One scenario's rounds, reduced, and the quantities it asks to be judged."""

    base: Sequence[RoundResult]
    head: Sequence[RoundResult]
    b_sum: list[RoundSummary]
    h_sum: list[RoundSummary]
    requests: dict[QuantityKey, Quantity]


def _measure(
    index: int, base: Sequence[RoundResult], head: Sequence[RoundResult], threshold_pct: float
) -> _Measured:
    """Frame time, IPC, then each stage and sub-stage both sides have, as requests."""
    if not base or not head:
        raise ValueError("compare_scenario needs rounds on both sides")
    b_sum = [summarize_round(r) for r in base]
    h_sum = [summarize_round(r) for r in head]
    b_frame, b_ipc = [r.frame_ms for r in b_sum], [r.ipc_ms for r in b_sum]
    requests: dict[QuantityKey, Quantity] = {
        "frame": Quantity(index, True, b_frame, [r.frame_ms for r in h_sum], threshold_pct),
        "ipc": Quantity(
            index,
            False,
            b_ipc,
            [r.ipc_ms for r in h_sum],
            ipc_threshold_pct(threshold_pct, b_frame, b_ipc),
            MIN_STAGE_EFFECT_MS,
            kind="ipc",
        ),
    }
    for st in _all_stages(base, head):
        b_values, h_values = _values(b_sum, st), _values(h_sum, st)
        if b_values and h_values:
            requests[st.path] = Quantity(
                index, False, b_values, h_values, threshold_pct, MIN_STAGE_EFFECT_MS
            )
    return _Measured(base, head, b_sum, h_sum, requests)


def _all_stages(base: Sequence[RoundResult], head: Sequence[RoundResult]) -> list[Stage]:
    return [
        *_union_in_order(base[-1].stages, head[-1].stages),
        *_union_in_order(base[-1].substages, head[-1].substages),
    ]


def _values(summaries: list[RoundSummary], stage: Stage) -> list[float]:
    return [v for r in summaries if (v := _stage_ms(r, stage)) is not None]


def _assemble(m: _Measured, changes: dict[QuantityKey, Change]) -> ScenarioComparison:
    base, head = m.base, m.head

    def stage_change(st: Stage) -> StageChange:
        b_values, h_values = _values(m.b_sum, st), _values(m.h_sum, st)
        return StageChange(
            name=st.name,
            kind=st.kind,
            change=changes.get(st.path),
            base_ms=statistics.median(b_values) if b_values else None,
            head_ms=statistics.median(h_values) if h_values else None,
            parent=st.parent,
        )

    return ScenarioComparison(
        name=head[-1].scenario.name,
        label=head[-1].scenario.label or base[-1].scenario.label,
        base_stages=base[-1].stages,
        head_stages=head[-1].stages,
        stages=tuple(stage_change(st) for st in _union_in_order(base[-1].stages, head[-1].stages)),
        frame=changes["frame"],
        ipc=changes["ipc"],
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
    quantities of all scenarios and for every look adaptive rounds may take, and every
    variance is moderated toward the family's (family.py). ``paired`` False judges
    separate runs unpaired, at the same levels."""
    measured = [_measure(i, b, h, threshold_pct) for i, (b, h) in enumerate(scenarios)]
    design = Design(
        frame_quantities=len(measured),
        other_quantities=sum(len(m.requests) - 1 for m in measured),
        looks=looks,
    )
    flat = [(i, key, q) for i, m in enumerate(measured) for key, q in m.requests.items()]
    judged = judge_family([q for *_, q in flat], design, paired=paired)
    per_scenario: list[dict[QuantityKey, Change]] = [{} for _ in measured]
    for (i, key, _), change in zip(flat, judged.changes, strict=True):
        per_scenario[i][key] = change
    return Comparison(
        scenarios=tuple(_assemble(m, c) for m, c in zip(measured, per_scenario, strict=True)),
        threshold_pct=threshold_pct,
        design=design,
        prior=judged.prior,
        paired=paired,
    )
