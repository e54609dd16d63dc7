"""The log as JSON for scripts: per pipeline, per commit, medians and the step's verdicts;
per column, the change points.

``change_points`` was added to log@1 without a bump: it is a new key, and every key
a reader of log@1 knew keeps its place and meaning.
"""

from __future__ import annotations

import json
import math
from typing import Any

from perfwaterfall.analysis.changepoint import ChangePoint
from perfwaterfall.analysis.stats import Change
from perfwaterfall.history.series import LogPoint, LogReport, LogSeries

FORMAT = "perf-waterfall/log@1"


def log_to_json(report: LogReport) -> str:
    doc = {
        "format": FORMAT,
        "range": report.range,
        "frames": report.frames,
        "warmup": report.warmup,
        "rounds": report.policy.to_dict(),
        "threshold_pct": report.threshold_pct,
        "machine": report.machine.to_dict(),
        "series": [_series(s) for s in report.series],
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _series(series: LogSeries) -> dict[str, Any]:
    return {
        "scenario": series.scenario,
        "label": series.label,
        "stages": list(series.stages),
        "points": [_point(p, series.stages) for p in series.points],
        "change_points": {
            "frame": [_change_point(c, series) for c in series.changes.frame],
            "stages": {
                name: [_change_point(c, series) for c in found]
                for name, found in series.changes.stages.items()
            },
        },
    }


def _change_point(found: ChangePoint, series: LogSeries) -> dict[str, Any]:
    """Where the column stepped: ``index`` into points (the first commit after the step)."""
    commit = series.points[found.index].commit
    return {
        "index": found.index,
        "sha": commit.sha,
        "short": commit.short,
        "before_ms": found.before_ms,
        "after_ms": found.after_ms,
        "percent": _finite(found.percent),
        "low_pct": _finite(found.low_pct),
        "high_pct": _finite(found.high_pct),
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _point(point: LogPoint, stages: tuple[str, ...]) -> dict[str, Any]:
    commit = point.commit
    change = point.change
    previous: dict[str, Any] | None = None
    if change is not None:
        previous = {
            "rounds": change.rounds[0],  # pairs of rounds behind this step's verdicts
            "frame": _change(change.frame),
            "stages": {
                name: _change(found.change)
                for name in stages
                if (found := change.stage(name)) is not None and found.change is not None
            },
        }
    return {
        "sha": commit.sha,
        "short": commit.short,
        "date": commit.date,
        "subject": commit.subject,
        "failure": point.failure,
        "frame_ms": point.frame_ms,
        "stage_ms": point.stage_ms,
        "vs_previous": previous,
    }


def _change(change: Change) -> dict[str, Any]:
    interval = change.shown
    return {
        "verdict": change.verdict.value,
        "delta_ms": change.delta,
        "percent": change.percent if math.isfinite(change.percent) else None,
        "low_pct": None if interval is None else interval.low_pct,
        "high_pct": None if interval is None else interval.high_pct,
    }
