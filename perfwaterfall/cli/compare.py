"""`perf-waterfall compare`: measure two refs and draw where the time moved."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.analysis.rounds_policy import AUTO_MAXIMUM
from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.init import HARNESS_FILE, still_the_starter
from perfwaterfall.cli.measuring import check_output, measure_with_progress
from perfwaterfall.cli.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    check_counts,
    parse_env_pairs,
    parse_rounds,
)
from perfwaterfall.cli.params import (
    DEFAULT_SUBSTAGES,
    AdaptiveRounds,
    Budget,
    Format,
    Frames,
    Gate,
    HarnessCmd,
    Html,
    KeepAwakeFlag,
    MaxRounds,
    Output,
    Repo,
    Save,
    Scenarios,
    Substages,
    Svg,
    Threshold,
    Timeout,
    Warmup,
    Waterfall,
)
from perfwaterfall.errors import EXIT_RUN_FAILED, UsageError
from perfwaterfall.measure import refs, selection
from perfwaterfall.measure.run import MeasureRequest, SideRequest
from perfwaterfall.profile.pyspy import find_py_spy
from perfwaterfall.profile.rounds import DEFAULT_PROFILE_ROUNDS, ProfileSettings

# A profiled round needs enough frames that one sample is not a visible fraction of
# a frame (at 250 Hz and 60 frames one sample is 0.07 ms per frame).
DEFAULT_PROFILE_FRAMES = 60
DEFAULT_PROFILE_DIR = Path(tempfile.gettempdir())


def compare_command(
    ctx: typer.Context,
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
    rounds: AdaptiveRounds = "auto",
    max_rounds: MaxRounds = AUTO_MAXIMUM,
    budget: Budget = None,
    scenario: Scenarios = None,
    waterfall: Waterfall = None,
    substages: Substages = DEFAULT_SUBSTAGES,
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
    keep_awake: KeepAwakeFlag = None,
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
    profile_rounds: Annotated[
        int,
        typer.Option(
            "--profile-rounds",
            help="Profiled rounds per side for the movers and the differential flamegraph "
            "(their spread marks sampling noise).",
        ),
    ] = DEFAULT_PROFILE_ROUNDS,
    profile_strict: Annotated[
        bool,
        typer.Option(
            "--profile-strict", help="Exit 1 when the profile cannot be made (default: a warning)."
        ),
    ] = False,
) -> None:
    """Measure BASE and HEAD in throw-away worktrees and draw where the time moved.

    Every quantity ends faster, slower, same (within the threshold) or undecided; with
    --rounds auto, undecided pipelines get more rounds until they are decided.
    """
    policy = parse_rounds(rounds, max_rounds, budget)
    check_counts(frames=frames, rounds=policy.minimum, warmup=warmup, threshold_pct=threshold)
    out = check_output(format, output, svg, html, fail_on_regression, no_color(ctx), save)
    scenarios = tuple(scenario or ())
    if waterfall and scenarios and not any(selection.matches(s, waterfall) for s in scenarios):
        raise UsageError(f"--waterfall {waterfall} is not among the scenarios chosen with -s")
    repo_handle = refs.open_repo(repo)
    base_ref = base or refs.default_base_ref(repo_handle)
    request = MeasureRequest(
        repo=repo,
        sides=(
            SideRequest("base", base_ref, parse_env_pairs(base_env or (), "--base-env")),
            SideRequest("head", head, parse_env_pairs(head_env or (), "--head-env")),
        ),
        scenarios=scenarios,
        frames=frames,
        warmup=warmup,
        policy=policy,
        threshold_pct=threshold,
        harness=harness_cmd,
        same_harness=same_harness,
        round_timeout_s=timeout,
        keep_awake=keep_awake,
        profile=_profile_settings(
            profile or profile_strict, profile_dir, profile_frames, profile_rounds, warmup, timeout
        ),
    )
    measured = measure_with_progress(request, no_color(ctx), save)
    from perfwaterfall.analysis.build import build_report
    from perfwaterfall.cli.output import emit_report, write_diff_flamegraph

    report = build_report(
        measured, threshold_pct=threshold, waterfall=waterfall, substages=substages
    )
    if still_the_starter(refs.repo_root(repo_handle)):
        said = f"{HARNESS_FILE} is still init's starter: this measures its stand-in, not your code"
        report = replace(report, warnings=(*report.warnings, said))
    if profile or profile_strict:
        write_diff_flamegraph(report)
    code = emit_report(report, out)
    if code == 0 and profile_strict and report.profile is not None and report.profile.problems:
        code = EXIT_RUN_FAILED
    raise typer.Exit(code)


def _profile_settings(
    wanted: bool, directory: Path, frames: int, rounds: int, warmup: int, timeout: float
) -> ProfileSettings | None:
    if not wanted:
        return None
    if frames < 1:
        raise UsageError(f"--profile-frames must be at least 1, got {frames}")
    if rounds < 1:
        raise UsageError(f"--profile-rounds must be at least 1, got {rounds}")
    if not directory.is_dir():
        raise UsageError(f"--profile-dir {directory}: not a directory")
    return ProfileSettings(
        py_spy=find_py_spy(),
        directory=directory,
        frames=frames,
        warmup=warmup,
        timeout=timeout,
        rounds=rounds,
    )
