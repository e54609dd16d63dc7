"""Plain-text formatting of numbers and changes, shared by every renderer and exporter."""

from __future__ import annotations

import math

from perfwaterfall.analysis.stats import Change, Verdict

NOISE_MARK = "~"


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


def percent(value: float) -> str:
    if math.isinf(value):
        return "new"
    if abs(value) < 0.05:
        return "0.0%"
    return f"{value:+.1f}%"


def fps(value: float) -> str:
    return f"{value:.1f}"


def verdict(change: Change | None, higher_is_better: bool = False) -> str:
    """'faster', 'slower' or 'noise' (for a quantity where lower is better by default)."""
    if change is None or not change.significant:
        return "noise"
    improved = change.verdict is Verdict.FASTER
    return "faster" if improved != higher_is_better else "slower"


def change_text(change: Change) -> str:
    """'-11.0 ms -63.1%' for a real change, '~ +0.1 ms +0.4%' for noise."""
    text = f"{signed_ms(change.delta)} ms {percent(change.percent)}"
    return text if change.significant else f"{NOISE_MARK} {text}"


def stage_change_text(change: Change) -> str:
    """Like change_text, but noise shows only its ms: a 0.02 ms stage 'doubling' is no news."""
    if change.significant:
        return change_text(change)
    return f"{NOISE_MARK} {signed_ms(change.delta)} ms"
