"""The comparison as JSON for scripts: derived numbers and verdicts, not raw rounds
(a bundle, from --save, keeps those)."""

from __future__ import annotations

import json
from typing import Any

from perfwaterfall.analysis.comparison import ScenarioComparison
from perfwaterfall.analysis.report import Report, SideInfo, SweepReport
from perfwaterfall.analysis.stats import Change, Estimate
from perfwaterfall.present import numbers

FORMAT = "perf-waterfall/comparison@1"
SWEEP_FORMAT = "perf-waterfall/sweep@1"


def to_json(report: Report) -> str:
    comparison = report.comparison
    doc = {
        "format": FORMAT,
        "base": _side(report.base),
        "head": _side(report.head),
        "frames": report.frames,
        "warmup": report.warmup,
        "rounds": report.rounds,
        "threshold_pct": comparison.threshold_pct,
        "machine": report.machine.to_dict(),
        "scenarios": [_scenario(s) for s in comparison.scenarios],
        "geomean_frame_ratio": comparison.geomean_ratio,
        "warnings": list(report.warnings),
        "failure": None if report.failure is None else report.failure.message,
        "command": report.command,
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _side(side: SideInfo) -> dict[str, Any]:
    ref = side.ref
    return {
        "label": side.label,
        "ref": ref.name,
        "sha": ref.sha,
        "subject": ref.subject,
        "env": side.env,
    }


def _scenario(sc: ScenarioComparison) -> dict[str, Any]:
    return {
        "name": sc.name,
        "label": sc.label,
        "frame_ms": _change(sc.frame),
        "ipc_ms": _change(sc.ipc),
        "per_hop_ms": {"base": sc.per_hop("base"), "head": sc.per_hop("head")},
        "max_fps": {"base": sc.base_fps, "head": sc.head_fps},
        "stages": [
            {
                "name": st.name,
                "kind": st.kind,
                "base_ms": st.base_ms,
                "head_ms": st.head_ms,
                "change": None if st.change is None else _change(st.change),
            }
            for st in sc.stages
        ],
    }


def _change(change: Change) -> dict[str, Any]:
    percent = change.percent
    return {
        "base": _estimate(change.base),
        "head": _estimate(change.head),
        "delta": change.delta,
        "percent": percent if percent != float("inf") else None,
        "p_value": change.p_value,
        "significant": change.significant,
        "verdict": numbers.verdict(change),
    }


def _estimate(est: Estimate) -> dict[str, Any]:
    return {"median": est.median, "ci95": [est.low, est.high], "rounds": list(est.samples)}


def sweep_to_json(sweep: SweepReport) -> str:
    report = sweep.first_last
    doc = {
        "format": SWEEP_FORMAT,
        "ref": report.head.ref.name,
        "sha": report.head.ref.sha,
        "key": sweep.key,
        "values": list(sweep.values),
        "frames": report.frames,
        "warmup": report.warmup,
        "rounds": report.rounds,
        "threshold_pct": report.comparison.threshold_pct,
        "machine": report.machine.to_dict(),
        "against_first": [
            {"value": value, "scenarios": [_scenario(s) for s in comparison.scenarios]}
            for value, comparison in zip(sweep.values[1:], sweep.comparisons, strict=True)
        ],
        "warnings": list(report.warnings),
        "failure": None if report.failure is None else report.failure.message,
        "command": report.command,
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
