"""The regression gate: which scenarios got *significantly* slower by more than PCT.

Noise never trips it: a change must first be significant (stats.compare_samples),
then exceed the gate's own percentage, on frame time or on IPC overhead.
"""

from __future__ import annotations

from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.analysis.stats import Change
from perfwaterfall.present import numbers


def regressions(comparison: Comparison, max_slowdown_pct: float) -> list[str]:
    """One line per regressed quantity, e.g. '4k_raw frame time +12.3% (33.1 → 37.2 ms)'."""
    found = []
    for sc in comparison.scenarios:
        for what, change in (("frame time", sc.frame), ("IPC overhead", sc.ipc)):
            if _regressed(change, max_slowdown_pct):
                found.append(
                    f"{sc.name} {what} {numbers.percent(change.percent)} "
                    f"({numbers.ms(change.base.median)} → {numbers.ms(change.head.median)} ms)"
                )
    return found


def _regressed(change: Change, max_slowdown_pct: float) -> bool:
    return change.significant and change.delta > 0 and change.percent > max_slowdown_pct
