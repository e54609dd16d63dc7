"""How a report was measured and judged, in words, for the header and the details."""

from __future__ import annotations

from perfwaterfall.analysis.report import Report
from perfwaterfall.analysis.verdict import Design


def rounds_text(report: Report) -> str:
    """'5 rounds per side', or for adaptive rounds '5 to 14 rounds per side (auto; ran 5-8)'."""
    policy = report.policy
    ran = sorted({min(sc.rounds) for sc in report.comparison.scenarios})
    if policy is None or not policy.adaptive:
        return f"{report.planned_rounds} rounds per side"
    text = f"{policy.minimum} to {policy.maximum} rounds per side (auto"
    if ran:
        text += f"; ran {ran[0]}" if len(ran) == 1 else f"; ran {ran[0]}-{ran[-1]}"
    return text + ")"


def verdict_rule(design: Design | None, threshold_pct: float) -> str:
    """The rule in one line, with the levels this comparison used."""
    if design is None:
        return f"same = within ±{threshold_pct:g}%"
    frame = _level(1 - design.detection_alpha(frame=True))
    other = _level(1 - design.detection_alpha(frame=False))
    same = _level(1 - design.equivalence_alpha)
    return (
        f"real: {frame} interval (frame), {other} (rest, lower once its frame is real) "
        "excludes 0 · "
        f"same: {same} interval within ±{threshold_pct:g}%"
    )


def _level(level: float) -> str:
    """A confidence level with the digits that matter: 90%, 99.6%, 99.98%."""
    pct = level * 100
    for digits in range(5):
        text = f"{pct:.{digits}f}"
        if float(text) < 100 and (digits > 0 or pct == round(pct)):
            return f"{text}%"
    return f"{pct:.5f}%"
