"""Which rounds run in which order.

Rounds alternate the sides in an A B B A pattern so that neither side always
goes first (a slow first round after a worktree checkout, thermal drift and
page-cache warmth then fall on both sides equally), as asv's
``--interleave-rounds`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedRound:
    scenario: str
    side: int  # index into the sides being compared
    round_index: int  # 0-based within (scenario, side)


def interleave(
    scenarios: Sequence[str], sides: int, rounds: int, *, first_round: int = 0
) -> list[PlannedRound]:
    """Per scenario, ``rounds`` rounds of each side, sides alternating direction each pass.

    ``first_round`` continues an earlier plan (adaptive rounds): the A B B A pattern and
    the round indices carry on where it stopped, so round i of every side stays adjacent.
    """
    plan: list[PlannedRound] = []
    for scenario in scenarios:
        for r in range(first_round, first_round + rounds):
            order = range(sides) if r % 2 == 0 else reversed(range(sides))
            plan.extend(PlannedRound(scenario, side, r) for side in order)
    return plan
