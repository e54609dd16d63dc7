"""The profile movers as markdown lines, for the pull-request description: each change with
its sampling noise, ``~`` within it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfwaterfall.export.mdtext import escape
from perfwaterfall.present import numbers
from perfwaterfall.present.numbers import NOISE_MARK
from perfwaterfall.present.profile_text import samples_text
from perfwaterfall.profile.movers import Mover, Movers


def movers_markdown(
    movers: Movers, *, base_label: str, head_label: str, svg_paths: Sequence[Path] = ()
) -> list[str]:
    """A heading line, one table (self time, then total time) and a footnote; no trailing blank."""
    lines = ["**Where the time moved** (py-spy, ms per frame over all processes)", ""]
    if movers.empty:
        lines.append("No function's time per frame moved between the sides.")
    else:
        lines += _table(movers, base_label, head_label)
    lines += [
        "",
        f"Sampled {numbers.ms(movers.base_ms)} ms per frame at {escape(base_label)} "
        f"({samples_text(movers.base_samples, movers.base_rounds)}), "
        f"{numbers.ms(movers.head_ms)} at {escape(head_label)} "
        f"({samples_text(movers.head_samples, movers.head_rounds)}); "
        f"time blocked waiting is not sampled; {escape(NOISE_MARK)}: within sampling noise.",
    ]
    if svg_paths:
        lines += ["", "Flamegraphs: " + ", ".join(escape(str(p)) for p in svg_paths)]
    return lines


def _table(movers: Movers, base_label: str, head_label: str) -> list[str]:
    rows = [
        f"| Function | {escape(base_label)} | {escape(head_label)} | Change | Noise |",
        "|---|---:|---:|---:|---:|",
    ]
    for title, movers_ in (("self time", movers.by_self), ("total time", movers.by_total)):
        if movers_:
            rows.append(f"| ***{title}*** | | | | |")
            rows += [_row(m) for m in movers_]
    return rows


def _row(mover: Mover) -> str:
    change = numbers.signed_ms(mover.delta)
    if not mover.real:
        change = f"{escape(NOISE_MARK)} {change}"
    return (
        f"| {escape(mover.function)} | {numbers.ms(mover.base_ms)} | {numbers.ms(mover.head_ms)} "
        f"| {change} | ±{numbers.ms(mover.uncertainty_ms)} |"
    )
