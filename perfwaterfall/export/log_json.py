"""The log as JSON for scripts: per pipeline, per commit, medians and the step's verdicts."""

from __future__ import annotations

import json
import math
from typing import Any

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
    }


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
