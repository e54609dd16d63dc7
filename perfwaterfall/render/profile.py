"""The profile panel: the functions whose time per frame moved most, and where the SVGs are."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from perfwaterfall.present import numbers
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
    style = "pw.faster" if mover.delta < 0 else "pw.slower"
    return Text(numbers.signed_ms(mover.delta), style=style, no_wrap=True)


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
                end_section=i == len(rows) - 1,
            )
    return table


def _footer(movers: Movers, base_label: str, head_label: str, svg_paths: Sequence[Path]) -> Text:
    text = Text(
        f"sampled {numbers.ms(movers.base_ms)} ms per frame at {numbers.one_line(base_label)}, "
        f"{numbers.ms(movers.head_ms)} at {numbers.one_line(head_label)}, over all processes "
        "(time blocked waiting is not sampled)",
        style="pw.dim",
    )
    for path in svg_paths:
        text.append("\nflamegraph ", style="pw.heading")
        text.append(str(path), style="pw.label")
    return text
