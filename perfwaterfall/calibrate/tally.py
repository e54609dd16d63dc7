"""Counting what the verdicts said over many compares, per pipeline.

An A/A compare (the same ref on both sides) should mark nothing; an injected one
(a known slowdown of one stage on head) should mark that stage and the frame slower
and nothing else. Counts, never one run, are what say whether verdicts can be trusted.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.comparison import Comparison, ScenarioComparison
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.calibrate.components import Components, clopper_pearson_upper, components
from perfwaterfall.protocol.document import RoundResult


@dataclass
class PipelineTally:
    """One pipeline's results over the compares of one kind."""

    compares: int = 0
    marked_any: int = 0  # compares in which any quantity was called faster or slower
    false_quantities: int = 0  # quantities called real that should not have been
    quantities: int = 0
    same: int = 0  # compares whose frame time ended "same"
    target_slower: int = 0  # injected: the slowed stage called slower
    frame_slower: int = 0  # injected: frame time called slower
    rounds: list[int] = field(default_factory=list)
    detectable_pct: list[float] = field(default_factory=list)

    @property
    def median_detectable_pct(self) -> float | None:
        return statistics.median(self.detectable_pct) if self.detectable_pct else None

    @property
    def median_rounds(self) -> float | None:
        return statistics.median(self.rounds) if self.rounds else None


@dataclass
class Tally:
    aa: dict[str, PipelineTally] = field(default_factory=dict)
    injected: dict[str, PipelineTally] = field(default_factory=dict)
    aa_compares: int = 0
    aa_marking_anything: int = 0  # A/A compares in which anything at all was called real
    injected_compares: int = 0
    noise: dict[str, list[Components]] = field(default_factory=dict)  # A/A, per pipeline

    @property
    def aa_upper_bound(self) -> float:
        """The rate of A/A compares marking anything that these counts still allow (95%)."""
        return clopper_pearson_upper(self.aa_marking_anything, self.aa_compares)


def count_aa(tally: Tally, comparison: Comparison) -> None:
    """An A/A compare: every faster or slower verdict is a false one."""
    tally.aa_compares += 1
    anything = False
    for sc in comparison.scenarios:
        entry = tally.aa.setdefault(sc.name, PipelineTally())
        real = [q for q in _quantities(sc) if q.significant]
        _count_common(entry, sc)
        entry.marked_any += bool(real)
        entry.false_quantities += len(real)
        anything = anything or bool(real)
    tally.aa_marking_anything += anything


def count_components(
    tally: Tally, rounds: Mapping[str, tuple[Sequence[RoundResult], Sequence[RoundResult]]]
) -> None:
    """An A/A compare's noise, per pipeline: what its frame time varies by, and where."""
    for name, (base, head) in rounds.items():
        found = components(base, head)
        if found is not None:
            tally.noise.setdefault(name, []).append(found)


def count_injected(tally: Tally, comparison: Comparison, stage: str) -> None:
    """An injected compare: ``stage`` and the frame should be slower, nothing else real."""
    tally.injected_compares += 1
    for sc in comparison.scenarios:
        target = sc.stage(stage)
        if target is None or target.change is None:
            continue
        entry = tally.injected.setdefault(sc.name, PipelineTally())
        _count_common(entry, sc)
        entry.target_slower += target.change.verdict is Verdict.SLOWER
        entry.frame_slower += sc.frame.verdict is Verdict.SLOWER
        others = [
            s.change
            for s in (*sc.stages, *sc.substages)
            if s.path[0] != stage and s.change and s.change.significant
        ]
        entry.marked_any += bool(others)
        entry.false_quantities += len(others)


def _count_common(entry: PipelineTally, sc: ScenarioComparison) -> None:
    entry.compares += 1
    entry.quantities += len(_quantities(sc))
    entry.same += sc.frame.verdict is Verdict.SAME
    entry.rounds.append(min(sc.rounds))
    if sc.frame.detection is not None:
        entry.detectable_pct.append(sc.frame.detection.detectable_pct)


def _quantities(sc: ScenarioComparison) -> Sequence[Change]:
    """Everything the comparison judged, sub-stages included: each can be a false alarm."""
    parts = (*sc.stages, *sc.substages)
    return [sc.frame, sc.ipc, *(s.change for s in parts if s.change is not None)]


def real_quantities(comparison: Comparison) -> list[str]:
    """'4k_raw frame', '4k_raw Detector', ...: what was called faster or slower."""
    named = [
        (sc.name, name, change)
        for sc in comparison.scenarios
        for name, change in [("frame", sc.frame), ("IPC", sc.ipc)]
        + [
            (" > ".join(s.path), s.change)
            for s in (*sc.stages, *sc.substages)
            if s.change is not None
        ]
    ]
    return [f"{scenario} {name}" for scenario, name, change in named if change.significant]
