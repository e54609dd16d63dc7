"""The regression gate: which scenarios got *significantly* slower by more than PCT.

Noise never trips it: a change must first be significant (stats.compare_samples),
then exceed the gate's own percentage, on frame time or on IPC overhead.

Across separate runs that were not alike (another machine, frames or warm-up) it
still acts, since a real regression must not pass because CI jobs landed on two
runners, but it never acts silently: ``unlike_note`` says what it compared.
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


def unlike_note(comparison: Comparison, failed: bool) -> str | None:
    """What the gate says when its two runs were not alike; None when they were."""
    if not comparison.unlike:
        return None
    what = "; ".join(comparison.unlike)
    if failed:
        return (
            f"the gate fails across separate runs that were not alike ({what}): this "
            "difference alone can make code look slower; `compare BASE HEAD` on one "
            "machine tells the code's share"
        )
    return (
        f"the gate passed across separate runs that were not alike ({what}): this "
        "difference can hide a regression as well as make one"
    )
