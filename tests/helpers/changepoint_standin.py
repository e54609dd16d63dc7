"""A stand-in for analysis/changepoint.py while that module is written on another branch:
the same interface, a plain max-t binary split over commit means. Installed only when the real module is
missing, only by the tests that need it (tests/helpers/recorded_repo.py)."""

from __future__ import annotations

import math
import statistics
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.tdist import t_cdf


@dataclass(frozen=True)
class ChangePoint:
    index: int
    before_ms: float
    after_ms: float
    low_pct: float
    high_pct: float


def change_points(
    series: Sequence[Sequence[float]], *, alpha: float = 0.05, min_segment: int = 2
) -> list[ChangePoint]:
    found: list[ChangePoint] = []
    _split(series, 0, alpha, min_segment, found)
    return sorted(found, key=lambda c: c.index)


def _split(series, offset, alpha, min_segment, found):  # type: ignore[no-untyped-def]
    candidates = range(min_segment, len(series) - min_segment + 1)
    best = None
    for k in candidates:
        a = [statistics.fmean(r) for r in series[:k]]  # a commit's mean is one observation
        b = [statistics.fmean(r) for r in series[k:]]
        if len(a) < 2 or len(b) < 2:
            continue
        se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) or 1e-12
        t = abs(statistics.fmean(b) - statistics.fmean(a)) / se
        if best is None or t > best[0]:
            best = (t, k, a, b, se)
    if best is None:
        return
    t, k, a, b, se = best
    df = len(a) + len(b) - 2
    if 2 * (1 - t_cdf(t, df)) * max(1, len(candidates)) > alpha:
        return
    before, after = statistics.fmean(a), statistics.fmean(b)
    half = 2.0 * se
    found.append(
        ChangePoint(
            offset + k,
            before,
            after,
            (after - half - before) / before * 100,
            (after + half - before) / before * 100,
        )
    )
    _split(series[:k], offset, alpha, min_segment, found)
    _split(series[k:], offset + k, alpha, min_segment, found)


def install() -> None:
    """Make ``perfwaterfall.analysis.changepoint`` importable if it is not yet."""
    try:
        import perfwaterfall.analysis.changepoint  # noqa: F401
    except ImportError:
        module = types.ModuleType("perfwaterfall.analysis.changepoint")
        module.ChangePoint = ChangePoint  # type: ignore[attr-defined]
        module.change_points = change_points  # type: ignore[attr-defined]
        sys.modules["perfwaterfall.analysis.changepoint"] = module
