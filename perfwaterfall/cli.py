"""The command line: parse, build options, call the workflow, map errors to exit codes."""

from __future__ import annotations

import shlex
import sys
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall import bundle as bundles
from perfwaterfall import gitrefs, harness, interrupts
from perfwaterfall.engine import MeasureRequest, SideRequest, new_run_id
from perfwaterfall.errors import (
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    HarnessFailed,
    PerfWaterfallError,
    UsageError,
)
from perfwaterfall.export import FORMATS
from perfwaterfall.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_ROUNDS,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    check_counts,
    parse_env_pairs,
)
from perfwaterfall.output import OutputOptions, emit_report, emit_sweep
from perfwaterfall.profile import find_py_spy
from perfwaterfall.profiling import ProfileSettings
from perfwaterfall.render.progress import ProgressDisplay
from perfwaterfall.render.summary import side_table
from perfwaterfall.render.terminal import make_console
from perfwaterfall.workflow import (
    build_report,
    build_sweep,
    measure_bundle,
    pair_bundles,
    parse_sweep,
)

EXIT_INTERRUPTED = 130
# A profiled round needs enough frames that one sample is not a visible fraction of
# a frame (at 250 Hz and 60 frames one sample is 0.07 ms per frame).
DEFAULT_PROFILE_FRAMES = 60
DEFAULT_PROFILE_DIR = Path(tempfile.gettempdir())
INTERRUPTED = "interrupted; worktrees and processes were cleaned up"

app = typer.Typer(
    name="perf-waterfall",
    help="Where did the time go, before and after, and is the difference real?",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Options shared by several commands.
Frames = Annotated[int, typer.Option(help="Measured frames per round.")]
Warmup = Annotated[int, typer.Option(help="Warm-up frames per round, not measured.")]
Rounds = Annotated[
    int, typer.Option(help="Rounds per side, interleaved; 4 is the fewest that can reach p < 0.05.")
]
Scenarios = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        metavar="NAME",
        help="Scenario to run (repeatable; default: all at HEAD).",
    ),
]
Waterfall = Annotated[
    str | None,
    typer.Option(help="Pipeline to draw as a waterfall (default: the one that changed most)."),
]
HarnessCmd = Annotated[
    str | None,
    typer.Option(
        "--harness", help='Harness command, e.g. "python -m scenarios" ({python} allowed).'
    ),
]
Threshold = Annotated[
    float, typer.Option(help="Smallest change in % that counts as real (with p < 0.05).")
]
Timeout = Annotated[float, typer.Option(help="Seconds one harness round may take.")]
Repo = Annotated[Path, typer.Option("--repo", help="Repository to measure (any directory in it).")]
Format = Annotated[str, typer.Option("--format", help=f"Output format: {', '.join(FORMATS)}.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write the output to PATH.")]
Save = Annotated[
    Path | None, typer.Option("--save", help="Save every raw round as a bundle (JSON) to PATH.")
]
Svg = Annotated[Path | None, typer.Option("--svg", help="Also write the rendering as SVG.")]
Html = Annotated[Path | None, typer.Option("--html", help="Also write the rendering as HTML.")]
Gate = Annotated[
    float | None,
    typer.Option(
        "--fail-on-regression",
        help="Exit 3 if a frame time or IPC overhead got significantly slower by more than PCT.",
        metavar="PCT",
    ),
]
NoColor = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR works too).")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


@app.command("compare")
def compare_command(
    base: Annotated[
        str | None,
        typer.Argument(
            help="Base ref (default: origin/main, else main, else master). "
            "WORKTREE = the checkout with its uncommitted changes."
        ),
    ] = None,
    head: Annotated[str, typer.Argument(help="Head ref (WORKTREE allowed).")] = "HEAD",
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: Rounds = DEFAULT_ROUNDS,
    scenario: Scenarios = None,
    waterfall: Waterfall = None,
    base_env: Annotated[
        list[str] | None,
        typer.Option(
            "--base-env", metavar="KEY=VALUE", help="KEY=VALUE for the base side (repeatable)."
        ),
    ] = None,
    head_env: Annotated[
        list[str] | None,
        typer.Option(
            "--head-env", metavar="KEY=VALUE", help="KEY=VALUE for the head side (repeatable)."
        ),
    ] = None,
    harness_cmd: HarnessCmd = None,
    same_harness: Annotated[
        bool,
        typer.Option(
            "--same-harness", help="Graft head's harness paths into base (pyproject graft)."
        ),
    ] = False,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    repo: Repo = Path("."),
    format: Format = "terminal",
    output: Output = None,
    save: Save = None,
    svg: Svg = None,
    html: Html = None,
    fail_on_regression: Gate = None,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Also record py-spy flamegraphs of both sides in extra, uncounted rounds.",
        ),
    ] = False,
    profile_dir: Annotated[
        Path, typer.Option("--profile-dir", help="Where the flamegraph SVGs go.")
    ] = DEFAULT_PROFILE_DIR,
    profile_frames: Annotated[
        int, typer.Option("--profile-frames", help="Frames of each profiled round.")
    ] = DEFAULT_PROFILE_FRAMES,
    profile_strict: Annotated[
        bool,
        typer.Option(
            "--profile-strict", help="Exit 1 when the profile cannot be made (default: a warning)."
        ),
    ] = False,
    no_color: NoColor = False,
    debug: Debug = False,
) -> None:
    """Measure BASE and HEAD in throw-away worktrees and draw where the time moved.

    The defaults (20 frames x 5 rounds per side, every scenario) give verdicts on the
    six built-in pipelines in about two minutes on a 2-core machine.
    """
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=threshold)
    out = _output(format, output, svg, html, fail_on_regression, no_color, save)
    scenarios = tuple(scenario or ())
    if waterfall and scenarios and waterfall not in scenarios:
        raise UsageError(f"--waterfall {waterfall} is not among the scenarios chosen with -s")
    repo_handle = gitrefs.open_repo(repo)
    base_ref = base or gitrefs.default_base_ref(repo_handle)
    request = MeasureRequest(
        repo=repo,
        sides=(
            SideRequest("base", base_ref, parse_env_pairs(base_env or (), "--base-env")),
            SideRequest("head", head, parse_env_pairs(head_env or (), "--head-env")),
        ),
        scenarios=scenarios,
        frames=frames,
        warmup=warmup,
        rounds=rounds,
        harness=harness_cmd,
        same_harness=same_harness,
        round_timeout_s=timeout,
        profile=_profile_settings(
            profile or profile_strict, profile_dir, profile_frames, warmup, timeout
        ),
    )
    measured = _measure(request, no_color, save)
    report = build_report(measured, threshold_pct=threshold, waterfall=waterfall)
    code = emit_report(report, out)
    if code == 0 and profile_strict and report.profile is not None and report.profile.problems:
        code = EXIT_RUN_FAILED
    raise typer.Exit(code)


def _profile_settings(
    wanted: bool, directory: Path, frames: int, warmup: int, timeout: float
) -> ProfileSettings | None:
    if not wanted:
        return None
    if frames < 1:
        raise UsageError(f"--profile-frames must be at least 1, got {frames}")
    if not directory.is_dir():
        raise UsageError(f"--profile-dir {directory}: not a directory")
    return ProfileSettings(
        py_spy=find_py_spy(), directory=directory, frames=frames, warmup=warmup, timeout=timeout
    )


@app.command("run")
def run_command(
    ref: Annotated[str, typer.Argument(help="Ref to measure (WORKTREE allowed).")] = "HEAD",
    save: Annotated[Path, typer.Option("--save", help="Bundle to write (JSON).")] = Path(
        "perf-waterfall-run.json"
    ),
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: Rounds = DEFAULT_ROUNDS,
    scenario: Scenarios = None,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", metavar="KEY=VALUE", help="KEY=VALUE for the harness (repeatable)."),
    ] = None,
    harness_cmd: HarnessCmd = None,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    repo: Repo = Path("."),
    no_color: NoColor = False,
    debug: Debug = False,
) -> None:
    """Measure one ref and save it, to compare later with `show BASE.json HEAD.json`."""
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=0)
    _check_parent(save, "--save")
    request = MeasureRequest(
        repo=repo,
        sides=(SideRequest("run", ref, parse_env_pairs(env or (), "--env")),),
        scenarios=tuple(scenario or ()),
        frames=frames,
        warmup=warmup,
        rounds=rounds,
        harness=harness_cmd,
        round_timeout_s=timeout,
    )
    measured = _measure(request, no_color, save)
    console = make_console(no_color=no_color)
    console.print(side_table(measured))
    console.print(f"saved to {save}", style="pw.dim")
    if measured.failure is not None:
        console.print(measured.failure.message, style="pw.error")
        raise typer.Exit(1)


@app.command("show")
def show_command(
    bundle: Annotated[list[Path], typer.Argument(help="A bundle, or BASE and HEAD from `run`.")],
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    waterfall: Waterfall = None,
    format: Format = "terminal",
    output: Output = None,
    svg: Svg = None,
    html: Html = None,
    fail_on_regression: Gate = None,
    no_color: NoColor = False,
    debug: Debug = False,
) -> None:
    """Render a saved bundle again, in any format, without running anything."""
    if len(bundle) > 2:
        raise UsageError("show takes one bundle, or two one-side bundles (BASE HEAD)")
    out = _output(format, output, svg, html, fail_on_regression, no_color, None)
    loaded = [bundles.load(path) for path in bundle]
    data = loaded[0] if len(loaded) == 1 else pair_bundles(loaded[0], loaded[1])
    key = data.extra.get("sweep_key")
    if isinstance(key, str):
        sweep = build_sweep(data, key=key, threshold_pct=threshold, waterfall=waterfall)
        raise typer.Exit(emit_sweep(sweep, out))
    report = build_report(data, threshold_pct=threshold, waterfall=waterfall)
    raise typer.Exit(emit_report(report, out))


@app.command("sweep")
def sweep_command(
    ref: Annotated[str, typer.Argument(help="Ref to measure (WORKTREE allowed).")] = "HEAD",
    env: Annotated[
        str,
        typer.Option(
            "--env",
            metavar="KEY=V1,V2,...",
            help="KEY=v1,v2,...: one run per value, the first the baseline.",
        ),
    ] = "",
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: Rounds = DEFAULT_ROUNDS,
    scenario: Scenarios = None,
    waterfall: Waterfall = None,
    harness_cmd: HarnessCmd = None,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    repo: Repo = Path("."),
    format: Format = "terminal",
    output: Output = None,
    save: Save = None,
    svg: Svg = None,
    html: Html = None,
    no_color: NoColor = False,
    debug: Debug = False,
) -> None:
    """Measure one ref once per value of an environment variable, rounds interleaved."""
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=threshold)
    key, values = parse_sweep(env)
    out = _output(format, output, svg, html, None, no_color, save)
    request = MeasureRequest(
        repo=repo,
        sides=tuple(SideRequest(f"{key}={v}", ref, {key: v}) for v in values),
        scenarios=tuple(scenario or ()),
        frames=frames,
        warmup=warmup,
        rounds=rounds,
        harness=harness_cmd,
        round_timeout_s=timeout,
    )
    measured = _measure(request, no_color, save, extra={"sweep_key": key})
    sweep = build_sweep(measured, key=key, threshold_pct=threshold, waterfall=waterfall)
    raise typer.Exit(emit_sweep(sweep, out))


@app.command("list")
def list_command(
    ref: Annotated[
        str, typer.Argument(help="Ref whose harness to ask (WORKTREE allowed).")
    ] = "HEAD",
    repo: Repo = Path("."),
    harness_cmd: HarnessCmd = None,
    no_color: NoColor = False,
    debug: Debug = False,
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


def _measure(
    request: MeasureRequest,
    no_color: bool,
    save: Path | None,
    extra: dict[str, str] | None = None,
) -> bundles.Bundle:
    err = make_console(no_color=no_color, stderr=True)
    with ProgressDisplay(err, request.rounds) as progress:
        measured = measure_bundle(request, progress, command=_command_line())
    if extra:
        measured = replace(measured, extra={**measured.extra, **extra})
    if save is not None:
        bundles.save(measured, save)
    return measured


def _output(
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
        _check_parent(save, "--save")
    return options


def _check_parent(path: Path, flag: str) -> None:
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise UsageError(f"{flag} {path}: directory {path.parent} does not exist")


def _command_line() -> str:
    return shlex.join(["perf-waterfall", *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line on stderr for every error, tracebacks only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    interrupts.install()
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="perf-waterfall", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return _fail("interrupted", EXIT_INTERRUPTED, debug)
    except typer.TyperException as exc:  # typer's usage errors: bad option, missing value
        return _fail(exc.format_message(), EXIT_USAGE, debug)
    except HarnessFailed as exc:  # before the first scenario finished: nothing to render
        tail = "".join(f"\n  | {line}" for line in exc.stderr_tail.rstrip().splitlines())
        return _fail(f"{exc}{tail}", exc.exit_code, debug)
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
