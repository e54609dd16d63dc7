"""The frame time's gain bar: one axis for every pipeline, every bar finite on it."""

from __future__ import annotations

import math
import sys

from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.present import numbers
from perfwaterfall.present.tables import Gain

# Beside a verdict measured while other processes competed for the CPUs.
BUSY = "busy machine"
# Where bars stop growing: |change| at or past this many thresholds fills a bar,
# so an A/A run's 1% wobble draws a sliver, not a full bar.
BAR_FLOOR_THRESHOLDS = 5
# A bar's numbers stay below 2**this, so width * 8 * size cannot overflow.
_BAR_MAX_EXPONENT = 960


def gain_scale(comparison: Comparison) -> float:
    """The bars' common axis: the largest finite |change|, at least the floor, never 0."""
    floor = min(BAR_FLOOR_THRESHOLDS * comparison.threshold_pct, sys.float_info.max)
    sizes = [abs(s.frame.percent) for s in comparison.scenarios]
    largest = max([floor, *(size for size in sizes if math.isfinite(size))])
    return largest if largest > 0 else 1.0


def gain(change: Change, scale: float, *, busy: bool = False, caveat: str = "") -> Gain:
    """The bar of one change; 'new' (from zero) and anything past the axis fill it."""
    pct = change.percent
    size = min(abs(pct), scale) if math.isfinite(pct) else scale
    # Halving both by a power of two keeps every bar exactly as long, and finite.
    shift = max(0, math.frexp(scale)[1] - _BAR_MAX_EXPONENT)
    return Gain(
        numbers.verdict(change),
        math.ldexp(size, -shift),
        math.ldexp(scale, -shift),
        interval=numbers.interval_text(change),
        detectable=_detectable(change, busy, caveat),
    )


def _detectable(change: Change, busy: bool, caveat: str = "") -> str:
    """What a 'same' or 'undecided' rules out, whether a busy machine weakened it, and
    whether the runs compared were alike."""
    said = []
    if not change.significant and change.detection is not None:
        said.append(f"detects ≥{numbers.bound(change.detection.detectable_pct)}")
    if busy and change.verdict is not Verdict.SAME:
        said.append(BUSY)
    if caveat:
        said.append(caveat)
    return " · ".join(said)
