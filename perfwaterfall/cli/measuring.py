"""What the measuring commands share: measure with progress, check outputs first."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfwaterfall.cli.options import OutputOptions
from perfwaterfall.errors import UsageError
from perfwaterfall.measure.run import MeasureRequest
from perfwaterfall.store.bundle import Bundle

if TYPE_CHECKING:
    from rich.console import Console


def measure_with_progress(
    request: MeasureRequest,
    no_color: bool,
    save: Path | None,
    extra: dict[str, str] | None = None,
) -> Bundle:
    from perfwaterfall.measure.collect import measure_bundle
    from perfwaterfall.render.progress import ProgressDisplay
    from perfwaterfall.render.terminal import make_console
    from perfwaterfall.store.bundle import save as save_bundle

    err = make_console(no_color=no_color, stderr=True)
    with ProgressDisplay(err, request.rounds) as progress:
        measured = measure_bundle(request, progress, command=_command_line())
    if extra:
        measured = replace(measured, extra={**measured.extra, **extra})
    if save is not None:
        save_bundle(measured, save)
    return measured


def check_output(
    format: str,
    output: Path | None,
    svg: Path | None,
    html: Path | None,
    gate: float | None,
    no_color: bool,
    save: Path | None,
) -> OutputOptions:
    """Check every output option before measuring: a typo must not cost a two-minute run."""
    options = OutputOptions(format, output, svg, html, gate, no_color)
    options.check()
    if save is not None:
        check_parent(save, "--save")
    return options


def check_parent(path: Path, flag: str) -> None:
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise UsageError(f"{flag} {path}: directory {path.parent} does not exist")


def _command_line() -> str:
    return shlex.join(["perf-waterfall", *sys.argv[1:]])


def say_if_keep_awake_denied(console: Console, flag: bool | None) -> None:
    """log and bisect measure in many sessions and keep no warnings per session: a run
    that may not hold the keep-awake request says so here, once, before measuring."""
    from rich.text import Text

    from perfwaterfall.measure import keep_awake

    line = keep_awake.denied_reason(keep_awake.wanted(flag))
    if line is not None:
        console.print(Text(f"! {line}", style="pw.warning"))
