"""The command line: parse, build options, call the workflow, map errors to exit codes."""

from __future__ import annotations

import shlex
import signal
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from perfwaterfall import gitrefs, harness
from perfwaterfall.engine import new_run_id
from perfwaterfall.errors import EXIT_RUN_FAILED, EXIT_USAGE, PerfWaterfallError
from perfwaterfall.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUNDS,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    CompareOptions,
    check_counts,
    parse_env_pairs,
)
from perfwaterfall.render.progress import ProgressDisplay
from perfwaterfall.render.terminal import make_console, print_report
from perfwaterfall.workflow import compare as run_compare

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

RepoOpt = Annotated[
    Path, typer.Option("--repo", help="Repository to measure (any directory inside it).")
]
HarnessOpt = Annotated[
    str | None,
    typer.Option(
        "--harness", help='Harness command, e.g. "python -m scenarios" ({python} allowed).'
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR works too).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


@app.command("compare")
def compare_command(
    base: Annotated[
        str | None,
        typer.Argument(
            help="Base ref (default: origin/main, else main, else master). "
            "WORKTREE = uncommitted checkout."
        ),
    ] = None,
    head: Annotated[
        str, typer.Argument(help="Head ref. WORKTREE = uncommitted checkout.")
    ] = "HEAD",
    frames: Annotated[int, typer.Option(help="Measured frames per round.")] = DEFAULT_FRAMES,
    warmup: Annotated[
        int, typer.Option(help="Warm-up frames per round, not measured.")
    ] = DEFAULT_WARMUP,
    rounds: Annotated[
        int,
        typer.Option(help="Rounds per side, interleaved; 4 is the fewest that can reach p < 0.05."),
    ] = DEFAULT_ROUNDS,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="Scenario to run (repeatable; default: all at HEAD)."
        ),
    ] = None,
    waterfall: Annotated[
        str | None,
        typer.Option(help="Pipeline to draw as a waterfall (default: the one that changed most)."),
    ] = None,
    base_env: Annotated[
        list[str] | None,
        typer.Option("--base-env", help="KEY=VALUE for the base side (repeatable)."),
    ] = None,
    head_env: Annotated[
        list[str] | None,
        typer.Option("--head-env", help="KEY=VALUE for the head side (repeatable)."),
    ] = None,
    harness_cmd: HarnessOpt = None,
    same_harness: Annotated[
        bool,
        typer.Option(
            "--same-harness", help="Run head's harness on both sides (graft paths into base)."
        ),
    ] = False,
    threshold: Annotated[
        float, typer.Option(help="Smallest change in % that counts as real (with p < 0.05).")
    ] = DEFAULT_THRESHOLD_PCT,
    timeout: Annotated[float, typer.Option(help="Seconds one harness round may take.")] = 300.0,
    repo: RepoOpt = Path("."),
    no_color: NoColorOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Measure BASE and HEAD in throw-away worktrees and draw where the time moved.

    Defaults (20 frames x 5 rounds per side, all scenarios) give verdicts on the six
    built-in pipelines in about two minutes on a 2-core machine.
    """
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=threshold)
    options = CompareOptions(
        base=base,
        head=head,
        frames=frames,
        warmup=warmup,
        rounds=rounds,
        scenarios=tuple(scenario or ()),
        waterfall=waterfall,
        base_env=parse_env_pairs(base_env or (), "--base-env"),
        head_env=parse_env_pairs(head_env or (), "--head-env"),
        harness=harness_cmd,
        same_harness=same_harness,
        threshold_pct=threshold,
        repo=repo,
        round_timeout_s=timeout,
    )
    out = make_console(no_color=no_color)
    err = make_console(no_color=no_color, stderr=True)
    with ProgressDisplay(err, rounds) as progress:
        report = run_compare(options, progress, command=_command_line())
    print_report(out, report)
    if report.failure is not None:
        raise typer.Exit(EXIT_RUN_FAILED)


@app.command("list")
def list_command(
    ref: Annotated[
        str, typer.Argument(help="Ref whose harness to ask (WORKTREE allowed).")
    ] = "HEAD",
    repo: RepoOpt = Path("."),
    harness_cmd: HarnessOpt = None,
    no_color: NoColorOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the scenarios the harness offers at REF."""
    git_repo = gitrefs.open_repo(repo)
    info = gitrefs.resolve_ref(git_repo, ref)
    spec = harness.load_harness_spec(Path(git_repo.working_tree_dir or repo), harness_cmd)
    with gitrefs.worktrees(git_repo, [info], run_id=new_run_id()) as (path,):
        scenarios = harness.list_scenarios(spec, harness.Side("ref", info, path, {}))
    out = make_console(no_color=no_color)
    width = max((len(s.name) for s in scenarios), default=0)
    for s in scenarios:
        out.print(f"[pw.label]{s.name:<{width}}[/]  {s.label}")


def _command_line() -> str:
    return shlex.join(["perf-waterfall", *sys.argv[1:]])


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM unwinds like Ctrl-C, so every cleanup (worktrees, process groups) runs."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line on stderr for every error, tracebacks only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="perf-waterfall", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return _fail("interrupted", EXIT_INTERRUPTED, debug)
    except typer.TyperException as exc:  # typer's usage errors: bad option, missing value
        return _fail(exc.format_message(), EXIT_USAGE, debug)
    except PerfWaterfallError as exc:
        return _fail(str(exc), exc.exit_code, debug)
    except KeyboardInterrupt:
        return _fail(INTERRUPTED, EXIT_INTERRUPTED, debug)
    except Exception as exc:  # a bug: still one line, with a way to see more
        return _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)", 1, debug)
    if result == EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into Exit(130)
        return _fail(INTERRUPTED, EXIT_INTERRUPTED, debug=False)
    return result if isinstance(result, int) else 0


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"perf-waterfall: {message}", file=sys.stderr)
    return code
