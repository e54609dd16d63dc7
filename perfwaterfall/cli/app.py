"""The command line: the app, its global options, and one line on stderr for every error.

Command modules import nothing heavy at module level (no scipy, numpy or rich
rendering), so ``--help``, ``list`` and the error paths start at once.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from perfwaterfall import __version__
from perfwaterfall.cli import (
    bisect,
    bundles,
    calibrate,
    compare,
    doctor,
    init,
    listing,
    log,
    publish,
    record,
    sweep,
)
from perfwaterfall.cli.cache import cache_app
from perfwaterfall.cli.globals import GlobalOptions
from perfwaterfall.cli.metavars import words_for_metavars
from perfwaterfall.cli.usage_text import hoist_global_flags, usage_message
from perfwaterfall.errors import EXIT_INTERNAL, EXIT_USAGE, HarnessFailed, PerfWaterfallError
from perfwaterfall.measure import signals

EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted; worktrees and processes were cleaned up"

app = typer.Typer(
    name="perf-waterfall",
    help="Where did the time go, before and after, and is the difference real?",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        print(f"perf-waterfall {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (NO_COLOR works too).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    options = ctx.ensure_object(GlobalOptions)
    options.debug, options.no_color = debug, no_color


app.command("compare")(compare.compare_command)
app.command("run")(bundles.run_command)
app.command("show")(bundles.show_command)
app.command("sweep")(sweep.sweep_command)
app.command("list")(listing.list_command)
app.command("init")(init.init_command)
app.command("doctor")(doctor.doctor_command)
app.command("calibrate")(calibrate.calibrate_command)
app.command("bisect")(bisect.bisect_command)
app.command("log")(log.log_command)
app.command("record")(record.record_command)
app.command("publish")(publish.publish_command)
app.add_typer(cache_app, name="cache")
app.add_typer(record.store_app, name="store")


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line on stderr for every error, tracebacks only with --debug."""
    args = hoist_global_flags(sys.argv[1:] if argv is None else argv)
    options = GlobalOptions()
    signals.install()
    command = typer.main.get_command(app)
    words_for_metavars(command)
    try:
        result = command.main(
            args=args, prog_name="perf-waterfall", standalone_mode=False, obj=options
        )
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return _fail("interrupted", EXIT_INTERRUPTED, options.debug)
    except typer.TyperException as exc:  # typer's usage errors: bad option, missing value
        return _fail(usage_message(exc), EXIT_USAGE, options.debug)
    except HarnessFailed as exc:  # before the first scenario finished: nothing to render
        tail = "".join(f"\n  | {line}" for line in exc.stderr_tail.rstrip().splitlines())
        return _fail(str(exc), exc.exit_code, options.debug, tail)
    except PerfWaterfallError as exc:
        return _fail(str(exc), exc.exit_code, options.debug)
    except KeyboardInterrupt:
        return _fail(INTERRUPTED, EXIT_INTERRUPTED, options.debug)
    except Exception as exc:  # a bug: still one line, with a way to see more
        message = f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)"
        return _fail(message, EXIT_INTERNAL, options.debug)
    if result == EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into Exit(130)
        return _fail(INTERRUPTED, EXIT_INTERRUPTED, debug=False)
    return result if isinstance(result, int) else 0


def _fail(message: str, code: int, debug: bool, tail: str = "") -> int:
    """One line, never wrapped, whatever the console's width (a log keeps it whole); only a
    harness's own stderr follows it, quoted line by line."""
    if debug:
        traceback.print_exc()
    print(f"perf-waterfall: {' '.join(message.split())}{tail}", file=sys.stderr)
    return code
