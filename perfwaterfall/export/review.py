"""What a pull-request reviewer reads first: the verdicts counted, the gate's state, and a
legend for every mark the table uses."""

from __future__ import annotations

from collections import Counter

from perfwaterfall.analysis.gate import regressions
from perfwaterfall.analysis.report import Report
from perfwaterfall.export.mdtext import escape
from perfwaterfall.present import numbers

# The frame-time verdicts in the order a reviewer cares about them.
ORDER = ("slower", "faster", "undecided", "same")


def review_line(report: Report) -> str:
    """'**1 slower** · 1 same of 2 scenarios (frame time) · regression gate >5%: **failed**'."""
    scenarios = report.comparison.scenarios
    counts = Counter(numbers.verdict(sc.frame) for sc in scenarios)
    said = [
        f"**{counts[v]} {v}**" if v in ("slower", "faster") else f"{counts[v]} {v}"
        for v in ORDER
        if counts[v]
    ]
    noun = "scenario" if len(scenarios) == 1 else "scenarios"
    verdicts = " · ".join(said) if said else "nothing compared"
    return f"{verdicts} of {len(scenarios)} {noun} (frame time) · {gate_state(report)}"


def gate_state(report: Report) -> str:
    """The regression gate as the run's exit status decides it."""
    if report.gate_pct is None:
        return "no regression gate"
    limit = f"regression gate >{report.gate_pct:g}%"
    if report.failure is not None:
        return f"{limit}: **not decided** (a run failed)"
    if not report.comparison.scenarios:
        return f"{limit}: **not decided** (nothing compared)"
    found = regressions(report.comparison, report.gate_pct)
    if found:
        return f"{limit}: **failed** ({escape('; '.join(found))})"
    return f"{limit}: passed"


def legend(threshold_pct: float) -> str:
    """Every mark the tables use, in one line."""
    return (
        f"*Marks:* **bold** a real change (its interval excludes 0) · "
        f"{escape(numbers.NOISE_MARK)} same, within ±{threshold_pct:g}% · "
        f"{escape(numbers.UNDECIDED_MARK)} undecided: more rounds could tell · "
        "… the interval behind a verdict · ≥ the smallest change these rounds could detect"
    )
