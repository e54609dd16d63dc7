"""Which pipelines adaptive rounds should measure more: those not yet decided, and not
beyond deciding.

A pipeline whose frame time (or IPC) is undecided gets another batch, unless even the
maximum rounds could not decide it (futility). With the variance these rounds show,
the interval at ``maximum`` rounds is projected; the verdict is out of reach when

- *same* would need that interval inside ±margin, but its half width at zero change
  already reaches the margin; and
- *slower*/*faster* would need the change to clear the detection bound at ``maximum``
  rounds, but the change so far is under half of it (were it to stay, it would be
  found with a chance well under one in five).

Stopping for futility never raises the chance of calling noise real: the levels were
set for every look the policy allows, and a look not taken only leaves some unspent.
The warning says which bound was reached, so a reader knows what more rounds would
have needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from perfwaterfall.analysis.comparison import Comparison, compare_family
from perfwaterfall.analysis.moderation import NO_FAMILY
from perfwaterfall.analysis.paired import paired_sample
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.analysis.tdist import t_quantile
from perfwaterfall.protocol.document import RoundResult


@dataclass(frozen=True)
class Look:
    """What one look at the rounds decided: pipelines to measure more, and those that
    even the maximum could not decide, each with the sentence that says why."""

    more: list[str] = field(default_factory=list)
    futile: dict[str, str] = field(default_factory=dict)


def next_look(
    rounds: Mapping[str, Sequence[Sequence[RoundResult]]],
    *,
    threshold_pct: float,
    looks: int,
    maximum: int,
) -> Look:
    """Judged as the whole family, at the levels the final report uses, so that what
    stops here is what the report will say."""
    measured = {
        name: (per_side[0], per_side[-1])
        for name, per_side in rounds.items()
        if len(per_side) >= 2 and per_side[0] and per_side[-1]
    }
    comparison = compare_family(list(measured.values()), threshold_pct=threshold_pct, looks=looks)
    look = Look()
    for name, sc in zip(measured, comparison.scenarios, strict=True):
        open_ = [(what, c) for what, c in (("frame time", sc.frame), ("IPC", sc.ipc)) if _open(c)]
        if not open_:
            continue
        reasons = [_futility(what, c, comparison, maximum) for what, c in open_]
        if all(reasons) and min(sc.rounds) < maximum:
            look.futile[name] = f"{name}: stopped at {min(sc.rounds)} rounds; " + "; ".join(
                r for r in reasons if r
            )
        else:
            look.more.append(name)
    return look


def undecided_scenarios(
    rounds: Mapping[str, Sequence[Sequence[RoundResult]]], *, threshold_pct: float, looks: int
) -> list[str]:
    """Scenarios whose frame time or IPC verdict is undecided (futility aside)."""
    return next_look(rounds, threshold_pct=threshold_pct, looks=looks, maximum=0).more


def _open(change: Change) -> bool:
    return change.verdict is Verdict.UNDECIDED


def _futility(what: str, change: Change, comparison: Comparison, maximum: int) -> str | None:
    """Why ``maximum`` rounds could not decide ``change``; None if they might."""
    sample = paired_sample(change.base.samples, change.head.samples)
    design, detection = comparison.design, change.detection
    if sample is None or design is None or detection is None or maximum <= sample.pairs:
        return None
    family = comparison.prior or NO_FAMILY
    prior = family.for_kind("frame" if what == "frame time" else "ipc")
    variance, df = prior.moderate(sample.variance, sample.df, sample.size)
    df_max = df + (maximum - sample.pairs)
    se_max = math.sqrt(variance / maximum)
    t_same = t_quantile(1 - design.equivalence_alpha / 2, df_max)
    t_real = t_quantile(1 - (1 - detection.level) / 2, df_max)
    same_reach = -sample.to_pct(-t_same * se_max)  # the nearer side of ±: the optimistic one
    real_bound = sample.to_pct(t_real * se_max)
    so_far = sample.to_pct(sample.mean)
    if same_reach < change.margin_pct or abs(so_far) >= real_bound / 2:
        return None
    return (
        f"even {maximum} rounds could not decide its {what}: same within "
        f"±{change.margin_pct:.3g}% needs the interval inside that, and at {maximum} rounds "
        f"it would still reach ±{same_reach:.2g}%; a real change would have to clear "
        f"±{real_bound:.2g}%, where it is {so_far:+.2g}% so far"
    )
