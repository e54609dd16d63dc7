"""One comparison's quantities judged together: a shared variance prior, a shared budget.

Every quantity a comparison reports (each pipeline's frame time and IPC, every stage on
both sides, every sub-stage) is one claim a reader may act on ("serialize got slower"),
so all of them are one family: an A/A comparison calls any of them real with
probability at most ALPHA. Three steps:

1. each quantity's paired changes and their variance;
2. the family's variance prior from all of them (moderation.py), so that each
   quantity's interval has the family's degrees of freedom as well as its own;
3. the levels, by gatekeeping from the frame times to what explains them
   (gatekeeping.py), then each verdict at the level it ended with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.gatekeeping import Hypothesis, final_weights
from perfwaterfall.analysis.moderation import NO_FAMILY, FamilyPrior, Spread, fit_prior
from perfwaterfall.analysis.paired import p_value, paired_sample
from perfwaterfall.analysis.stats import Change
from perfwaterfall.analysis.unpaired import judge_unpaired, welch_change
from perfwaterfall.analysis.verdict import Design, judge

# "frame", "ipc", or a stage's path (a sub-stage's path has its parents first)
QuantityKey = str | tuple[str, ...]


@dataclass(frozen=True)
class Quantity:
    """One quantity to judge: its pipeline, whether it is that pipeline's frame time,
    its per-round values on each side, its equivalence margin and absolute floor."""

    pipeline: int
    frame: bool
    base: Sequence[float]
    head: Sequence[float]
    threshold_pct: float
    floor: float = 0.0
    kind: str = "part"  # "frame", "ipc" or "part": whose variance level it shares

    def __post_init__(self) -> None:
        if self.frame:
            object.__setattr__(self, "kind", "frame")


@dataclass(frozen=True)
class FamilyJudgement:
    changes: list[Change]
    prior: FamilyPrior


def judge_family(
    quantities: Sequence[Quantity], design: Design, *, paired: bool = True
) -> FamilyJudgement:
    """Each quantity's verdict, in order, at the level the family's procedure gave it.
    ``paired`` False: separate runs, each quantity's rounds as two samples (Welch), with
    no variance prior (a pair's spread is what the prior is learnt from)."""
    if not paired:
        return _judge_unpaired(quantities, design)
    samples = [paired_sample(q.base, q.head) for q in quantities]
    prior = fit_prior(
        [
            Spread(s.variance, s.df, s.size, q.kind)
            for q, s in zip(quantities, samples, strict=True)
            if s is not None
        ]
    )
    p_values = [
        1.0 if sample is None else p_value(sample, prior=prior.for_kind(q.kind))
        for q, sample in zip(quantities, samples, strict=True)
    ]
    weights = _weights(quantities, p_values, design)
    changes = [
        judge(
            q.base,
            q.head,
            detection_alpha=design.alpha_per_look * weight,
            equivalence_alpha=design.equivalence_alpha,
            threshold_pct=q.threshold_pct,
            floor=q.floor,
            prior=prior.for_kind(q.kind),
        )
        for q, weight in zip(quantities, weights, strict=True)
    ]
    return FamilyJudgement(changes=changes, prior=prior)


def _judge_unpaired(quantities: Sequence[Quantity], design: Design) -> FamilyJudgement:
    p_values = []
    for q in quantities:
        found = welch_change(q.base, q.head, alpha=design.equivalence_alpha)
        p_values.append(1.0 if found is None else found.p_value)
    weights = _weights(quantities, p_values, design)
    changes = [
        judge_unpaired(
            q.base,
            q.head,
            detection_alpha=design.alpha_per_look * weight,
            equivalence_alpha=design.equivalence_alpha,
            threshold_pct=q.threshold_pct,
            floor=q.floor,
        )
        for q, weight in zip(quantities, weights, strict=True)
    ]
    return FamilyJudgement(changes=changes, prior=NO_FAMILY)


def _weights(
    quantities: Sequence[Quantity], p_values: Sequence[float], design: Design
) -> list[float]:
    """The gatekeeping procedure's final weights, from each quantity's p-value."""
    hypotheses = [
        Hypothesis(
            pipeline=q.pipeline,
            frame=q.frame,
            weight=design.detection_alpha(frame=q.frame) / design.alpha_per_look,
            p_value=p,
        )
        for q, p in zip(quantities, p_values, strict=True)
    ]
    return final_weights(hypotheses, design.alpha_per_look)
