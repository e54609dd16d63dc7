"""A change as cells show it: the same mark and before → after in every table."""

from __future__ import annotations

import math

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.stats import Change
from perfwaterfall.present import numbers
from perfwaterfall.present.tables import Value


def mark(pct: float, change: Change) -> str:
    """A percentage as a cell shows it: '-39.3%' real, '~ +0.4%' same, '? +2.1%' undecided."""
    return " ".join(filter(None, (numbers.verdict_mark(change), numbers.percent(pct))))


def fps_gain(sc: ScenarioComparison) -> float:
    """Max fps after against before, in percent; 0 when there is no rate to gain on."""
    if not sc.base_fps:
        return 0.0
    gain = (sc.head_fps / sc.base_fps - 1) * 100
    return 0.0 if math.isnan(gain) else gain  # both rates infinite: no gain


def change_value(before: float | None, after: float | None, change: Change | None) -> Value:
    """Milliseconds before → after, marked with the change when there is one to judge."""
    if change is None:
        return Value(numbers.ms(before), numbers.ms(after))
    return Value(
        numbers.ms(before),
        numbers.ms(after),
        mark(change.percent, change),
        numbers.verdict(change),
    )
