"""The profile panel: the functions whose time per frame moved most, each with its sampling
noise (a change within it is ``~``, as in the waterfall), and where the SVGs are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.present import numbers
from perfwaterfall.present.numbers import NOISE_MARK
from perfwaterfall.present.profile_text import samples_text
from perfwaterfall.profile.movers import Mover, Movers

TITLE = "Where the time moved (py-spy, ms per frame)"


def movers_panel(
    movers: Movers, *, base_label: str, head_label: str, svg_paths: Sequence[Path]
) -> Panel:
    """Self and total time in one table: green where head spends less, red where more."""
    body: RenderableType
    if movers.empty:
        body = Text("No function's time per frame moved between the sides.", style="pw.dim")
    else:
        body = _table(movers, base_label, head_label)
    return Panel(
        Group(body, Text(""), _footer(movers, base_label, head_label, svg_paths)),
        title=Text(TITLE, style="pw.title"),
        title_align="left",
        border_style="pw.border",
    )


def function_text(function: str) -> Text:
    """``Socket.send (zmq/sugar/socket.py)``: the name stands out, the file is dim."""
    name, sep, where = numbers.one_line(function).partition(" (")
    text = Text(name, style="pw.label")
    if sep:
        text.append(f" ({where}", style="pw.dim")
    return text


def change_text(mover: Mover) -> Text:
    """Coloured when real; '~ +0.05', dim, within sampling noise."""
    if not mover.real:
        return Text(f"{NOISE_MARK} {numbers.signed_ms(mover.delta)}", style="pw.dim", no_wrap=True)
    style = "pw.faster" if mover.delta < 0 else "pw.slower"
    return Text(numbers.signed_ms(mover.delta), style=style, no_wrap=True)


def noise_text(mover: Mover) -> str:
    return f"±{numbers.ms(mover.uncertainty_ms)}"


def _table(movers: Movers, base_label: str, head_label: str) -> Table:
    """One table, so both sections share their column widths."""
    table = Table(
        box=box.SIMPLE_HEAD,
        border_style="pw.border",
        header_style="pw.heading",
        pad_edge=False,
        show_edge=False,
    )
    table.add_column("function", overflow="fold")
    table.add_column(numbers.one_line(base_label), justify="right", no_wrap=True)
    table.add_column(numbers.one_line(head_label), justify="right", no_wrap=True)
    table.add_column("change", justify="right", no_wrap=True)
    table.add_column("noise", justify="right", no_wrap=True, style="pw.dim")
    sections = [("self time", movers.by_self), ("total time", movers.by_total)]
    for title, rows in sections:
        if not rows:
            continue
        table.add_row(Text(title, style="pw.heading"))
        for i, mover in enumerate(rows):
            table.add_row(
                function_text(mover.function),
                numbers.ms(mover.base_ms),
                numbers.ms(mover.head_ms),
                change_text(mover),
                noise_text(mover),
                end_section=i == len(rows) - 1,
            )
    return table


def _footer(movers: Movers, base_label: str, head_label: str, svg_paths: Sequence[Path]) -> Text:
    text = Text(
        f"sampled {numbers.ms(movers.base_ms)} ms per frame at {numbers.one_line(base_label)} "
        f"({samples_text(movers.base_samples, movers.base_rounds)}), "
        f"{numbers.ms(movers.head_ms)} at {numbers.one_line(head_label)} "
        f"({samples_text(movers.head_samples, movers.head_rounds)}), over all processes "
        f"(time blocked waiting is not sampled); {NOISE_MARK}: within sampling noise",
        style="pw.dim",
    )
    for path in svg_paths:
        text.append("\nflamegraph ", style="pw.heading")
        text.append(str(path), style="pw.label")
    return text
