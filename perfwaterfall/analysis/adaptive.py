"""Which pipelines adaptive rounds should measure more: those not yet decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from perfwaterfall.analysis.comparison import compare_family
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.protocol.document import RoundResult


def undecided_scenarios(
    rounds: Mapping[str, Sequence[Sequence[RoundResult]]], *, threshold_pct: float, looks: int
) -> list[str]:
    """Scenarios (measured on both sides) whose frame time or IPC verdict is undecided.

    Judged as the whole family, at the levels the final report uses, so that what
    stops here is what the report will say.
    """
    measured = {
        name: (per_side[0], per_side[-1])
        for name, per_side in rounds.items()
        if len(per_side) >= 2 and per_side[0] and per_side[-1]
    }
    comparison = compare_family(list(measured.values()), threshold_pct=threshold_pct, looks=looks)
    return [
        name
        for name, sc in zip(measured, comparison.scenarios, strict=True)
        if Verdict.UNDECIDED in (sc.frame.verdict, sc.ipc.verdict)
    ]
