"""The comparison as JSON for scripts: derived numbers and verdicts, not raw rounds
(a bundle, from --save, keeps those)."""

from __future__ import annotations

import json
import math
from typing import Any

from perfwaterfall.analysis.comparison import ScenarioComparison, StageChange
from perfwaterfall.analysis.paired import RelativeChange
from perfwaterfall.analysis.report import Report, SideInfo, SweepReport
from perfwaterfall.analysis.stats import Change, Estimate

# @2: four verdicts (faster, slower, same, undecided) with their intervals; the
# per-side interval is "ci" with its actual "ci_level" (was "ci95", whatever its coverage).
# Added compatibly since: per scenario "substages", each a stage with its "parent" path;
# "paired" (false for two separate runs) and "unlike" (what differed between them), and
# per change a "warning" beside its verdict when they differed (else null).
FORMAT = "perf-waterfall/comparison@2"
SWEEP_FORMAT = "perf-waterfall/sweep@2"


def to_json(report: Report) -> str:
    comparison = report.comparison
    doc = {
        "format": FORMAT,
        "base": _side(report.base),
        "head": _side(report.head),
        "frames": report.frames,
        "warmup": report.warmup,
        "rounds": report.planned_rounds,
        "threshold_pct": comparison.threshold_pct,
        "machine": report.machine.to_dict(),
        "paired": comparison.paired,
        "unlike": list(comparison.unlike),
        "scenarios": [_scenario(s, comparison.caveat) for s in comparison.scenarios],
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


def _scenario(sc: ScenarioComparison, caveat: str = "") -> dict[str, Any]:
    return {
        "name": sc.name,
        "label": sc.label,
        "frame_ms": _change(sc.frame, caveat),
        "ipc_ms": _change(sc.ipc, caveat),
        "per_hop_ms": {"base": sc.per_hop("base"), "head": sc.per_hop("head")},
        "detectable_pct": _detectable(sc.frame),
        "max_fps": {"base": sc.base_fps, "head": sc.head_fps},
        "stages": [_stage(st, caveat) for st in sc.stages],
        # Parts of the stages above, parents first; each names its parent by path.
        "substages": [{**_stage(st, caveat), "parent": list(st.parent)} for st in sc.substages],
    }


def _stage(st: StageChange, caveat: str) -> dict[str, Any]:
    return {
        "name": st.name,
        "kind": st.kind,
        "base_ms": st.base_ms,
        "head_ms": st.head_ms,
        "change": None if st.change is None else _change(st.change, caveat),
    }


def _change(change: Change, caveat: str) -> dict[str, Any]:
    percent = change.percent
    return {
        "base": _estimate(change.base),
        "head": _estimate(change.head),
        "delta": change.delta,
        "percent": percent if percent != float("inf") else None,
        "p_value": change.p_value,
        "significant": change.significant,
        "verdict": change.verdict.value,
        "warning": caveat.removeprefix("! ") or None,  # 'machines differ': runs not alike
        "margin_pct": change.margin_pct if math.isfinite(change.margin_pct) else None,
        "interval": _interval(change.shown),
        "detection": _interval(change.detection),
        "equivalence": _interval(change.equivalence),
    }


def _interval(interval: RelativeChange | None) -> dict[str, Any] | None:
    if interval is None:
        return None
    return {
        "low_pct": interval.low_pct,
        "high_pct": interval.high_pct,
        "level": interval.level,
        "pairs": interval.pairs,
    }


def _detectable(change: Change) -> float | None:
    return None if change.detection is None else change.detection.detectable_pct


def _estimate(est: Estimate) -> dict[str, Any]:
    return {
        "median": est.median,
        "ci": [est.low, est.high],
        "ci_level": est.level,
        "rounds": list(est.samples),
    }


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
        "rounds": report.planned_rounds,
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
