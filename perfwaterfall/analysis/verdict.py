"""Four verdicts for every quantity: faster, slower, same within ±X%, or undecided.

- *same*: the equivalence interval (90%, as in a two one-sided tests procedure) lies
  inside ±margin, so any change there is smaller than the threshold;
- *slower* / *faster*: the detection interval lies wholly above / below zero. Its level
  is set for the whole family of quantities of one comparison (every stage, frame time
  and IPC of every pipeline) and for every look adaptive rounds may take, so that an
  A/A comparison marks anything at all as real with probability at most ALPHA;
- *undecided*: neither; more rounds may decide it.

Frame times are the headline and what the gate reads; stages, hops and their parts
explain them. ``gatekeeping.py`` spends ALPHA in that order: the frames start with
FRAME_SHARE of it, and a frame found real hands its share on to its own pipeline's
explanations (a graphical Bonferroni procedure; the family-wise level still holds).
Every variance is moderated toward the family's first (``moderation.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.moderation import NONE, Prior
from perfwaterfall.analysis.paired import RelativeChange, base_scale, interval, paired_sample
from perfwaterfall.analysis.stats import Change, Verdict, estimate

ALPHA = 0.05  # family-wise: chance that an A/A comparison calls anything real
EQUIVALENCE_ALPHA = 0.05  # per quantity: chance of calling a threshold-sized change "same"
FRAME_SHARE = 0.8  # of ALPHA, for the frame times before anything is passed on


@dataclass(frozen=True)
class Design:
    """How many quantities are judged at once and how often: the levels follow from it."""

    frame_quantities: int
    other_quantities: int
    looks: int = 1

    @property
    def alpha_per_look(self) -> float:
        return ALPHA / self.looks

    def detection_alpha(self, *, frame: bool) -> float:
        """The level each quantity starts at; an explanation gains more when its frame is
        found real (gatekeeping.py)."""
        if frame:
            return ALPHA * FRAME_SHARE / max(1, self.frame_quantities) / self.looks
        return ALPHA * (1 - FRAME_SHARE) / max(1, self.other_quantities) / self.looks

    @property
    def equivalence_alpha(self) -> float:
        return 2 * EQUIVALENCE_ALPHA / self.looks


def judge(
    base: Sequence[float],
    head: Sequence[float],
    *,
    detection_alpha: float,
    equivalence_alpha: float,
    threshold_pct: float,
    floor: float = 0.0,
    prior: Prior = NONE,
) -> Change:
    """The verdict on one quantity from its per-round values, paired by round index.

    ``floor`` is an absolute margin in the values' unit for quantities near zero, whose
    relative change means nothing (a 0.01 ms stage that "doubles"). ``prior`` is the
    family's variance prior (moderation.py); by default the plain paired t.
    """
    b, h = estimate(base), estimate(head)
    sample = paired_sample(base, head)
    detection = equivalence = None
    if sample is not None:
        detection = interval(sample, alpha=detection_alpha, prior=prior)
        equivalence = interval(sample, alpha=equivalence_alpha, prior=prior)
    margin = threshold_pct
    if floor > 0:
        scale = base_scale(base)
        margin = math.inf if scale is None else max(margin, floor / scale * 100.0)
    verdict = decide(detection, equivalence, margin)
    if detection is None:
        verdict = _without_ratio(base, head, floor)
    return Change(
        base=b,
        head=h,
        verdict=verdict,
        detection=detection,
        equivalence=equivalence,
        margin_pct=margin,
    )


def decide(
    detection: RelativeChange | None, equivalence: RelativeChange | None, margin_pct: float
) -> Verdict:
    if equivalence is not None and -margin_pct < equivalence.low_pct <= equivalence.high_pct < (
        margin_pct
    ):
        return Verdict.SAME
    if detection is None:
        return Verdict.UNDECIDED
    if detection.low_pct > 0:
        return Verdict.SLOWER
    if detection.high_pct < 0:
        return Verdict.FASTER
    return Verdict.UNDECIDED


def _without_ratio(base: Sequence[float], head: Sequence[float], floor: float) -> Verdict:
    """A base of 0 ms has no relative change: same when every pair agrees within the floor,
    slower when head is above it in every pair (a new cost), else undecided."""
    diffs = [hv - bv for bv, hv in zip(base, head, strict=False)]
    if len(diffs) >= 2 and all(abs(d) <= floor for d in diffs):
        return Verdict.SAME
    if len(diffs) >= 2 and all(d > floor for d in diffs):
        return Verdict.SLOWER
    return Verdict.UNDECIDED
