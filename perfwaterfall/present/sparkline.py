"""A series of numbers as a line of block characters, for terminal tables and markdown."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = " "  # a point with no value (its harness failed)


def sparkline(values: Sequence[float | None], *, least_span_pct: float = 0.0) -> str:
    """One block per value, scaled between the lowest and highest.

    The scale spans at least ``least_span_pct`` of the mean, so that differences
    under the threshold stay flat instead of filling the whole height.
    """
    known = [v for v in values if v is not None]
    if not known:
        return GAP * len(values)
    low, high = min(known), max(known)
    least = abs(sum(known) / len(known)) * least_span_pct / 100
    if high - low < least:
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
    span = high - low
    top = len(BLOCKS) - 1
    return "".join(
        GAP if v is None else BLOCKS[0 if span <= 0 else round((v - low) / span * top)]
        for v in values
    )
