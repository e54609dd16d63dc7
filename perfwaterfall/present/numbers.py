"""Plain-text formatting of numbers and changes, shared by every renderer and exporter."""

from __future__ import annotations

import math

from perfwaterfall.analysis.stats import Change, Verdict

NOISE_MARK = "~"  # same: within the threshold
UNDECIDED_MARK = "?"  # the rounds could not tell


def one_line(text: str) -> str:
    """A name as one line: harness-given names may hold newlines or tabs."""
    return " ".join(text.split())


def ms(value: float | None) -> str:
    """Milliseconds with precision that matches their size: 0.042, 6.48, 20.1, 133."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def signed_ms(value: float) -> str:
    """'+0.034', '-11.0'; a value that rounds to zero is '+0.000', never '-0.000'."""
    text = ms(abs(value))
    return ("-" if value < 0 and float(text) != 0 else "+") + text


def percent(value: float, *, exact: bool = False) -> str:
    """'+3.5%'; 'new' for a change from zero. ``exact`` keeps the sign of a value that
    rounds to zero (an interval's bound '-0.0%' is not its '+0.0%')."""
    if math.isinf(value):
        return "new"
    if abs(value) < 0.05 and not exact:
        return "0.0%"
    return f"{value:+.1f}%"


def fps(value: float) -> str:
    return f"{value:.1f}"


def verdict(change: Change | None) -> str:
    """'faster', 'slower', 'same' or 'undecided' (no change to judge is undecided)."""
    return Verdict.UNDECIDED.value if change is None else change.verdict.value


def verdict_mark(change: Change) -> str:
    """What stands before a change that is not news: '~' same, '?' undecided, else ''."""
    return {Verdict.SAME: NOISE_MARK, Verdict.UNDECIDED: UNDECIDED_MARK}.get(change.verdict, "")


def interval_text(change: Change) -> str:
    """The interval behind the verdict: '±0.8%' for same, '-1.0% … +6.0%' otherwise."""
    shown = change.shown
    if shown is None:
        return ""
    if change.verdict is Verdict.SAME:
        return f"±{bound(shown.half_width_pct)}"
    return f"{percent(shown.low_pct, exact=True)} … {percent(shown.high_pct, exact=True)}"


def bound(pct: float) -> str:
    """An unsigned percentage bound: '0.8%', '12%'."""
    return f"{pct:.1f}%" if pct < 10 else f"{pct:.0f}%"


def change_text(change: Change) -> str:
    """'-11.0 ms -63.1%' for a real change, '~ +0.1 ms +0.4%' same, '? +0.3 ms +2.1%' undecided."""
    text = f"{signed_ms(change.delta)} ms {percent(change.percent)}"
    return " ".join(filter(None, (verdict_mark(change), text)))


def stage_change_text(change: Change) -> str:
    """Like change_text, but what is not news shows only its ms: a 0.02 ms stage 'doubling'
    is no news."""
    if change.significant:
        return change_text(change)
    return f"{verdict_mark(change)} {signed_ms(change.delta)} ms"
