"""Consoles for rendering tests."""

from __future__ import annotations

import io

from rich.console import Console

from perfwaterfall.render.theme import make_theme


def truecolor_console(width: int = 100) -> Console:
    """A 24-bit colour terminal of ``width`` columns writing to a string (``console.file``)."""
    return Console(
        file=io.StringIO(),
        width=width,
        force_terminal=True,
        color_system="truecolor",
        theme=make_theme(),
    )
