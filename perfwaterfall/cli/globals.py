"""Options that apply to every command (``perf-waterfall --debug --no-color CMD``)."""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass
class GlobalOptions:
    """Filled by the app's callback; ``main`` reads ``debug`` when a command fails."""

    debug: bool = False
    no_color: bool = False


def global_options(ctx: typer.Context) -> GlobalOptions:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, GlobalOptions) else GlobalOptions()


def no_color(ctx: typer.Context) -> bool:
    return global_options(ctx).no_color
