"""`perf-waterfall sweep`: one ref, once per value of an environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.measuring import check_output, measure_with_progress
from perfwaterfall.cli.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_ROUNDS,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    check_counts,
    parse_sweep,
)
from perfwaterfall.cli.params import (
    DEFAULT_SUBSTAGES,
    Format,
    Frames,
    HarnessCmd,
    Html,
    KeepAwakeFlag,
    Output,
    Repo,
    Rounds,
    Save,
    Scenarios,
    Substages,
    Svg,
    Threshold,
    Timeout,
    Warmup,
    Waterfall,
)
from perfwaterfall.measure.run import MeasureRequest, SideRequest


def sweep_command(
    ctx: typer.Context,
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
    substages: Substages = DEFAULT_SUBSTAGES,
    harness_cmd: HarnessCmd = None,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    keep_awake: KeepAwakeFlag = None,
    repo: Repo = Path("."),
    format: Format = "terminal",
    output: Output = None,
    save: Save = None,
    svg: Svg = None,
    html: Html = None,
) -> None:
    """Measure one ref once per value of an environment variable, rounds interleaved."""
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=threshold)
    key, values = parse_sweep(env)
    out = check_output(format, output, svg, html, None, no_color(ctx), save)
    request = MeasureRequest(
        repo=repo,
        sides=tuple(SideRequest(f"{key}={v}", ref, {key: v}) for v in values),
        scenarios=tuple(scenario or ()),
        frames=frames,
        warmup=warmup,
        policy=RoundsPolicy.fixed(rounds),
        harness=harness_cmd,
        round_timeout_s=timeout,
        keep_awake=keep_awake,
    )
    measured = measure_with_progress(request, no_color(ctx), save, extra={"sweep_key": key})
    from perfwaterfall.analysis.build import build_sweep
    from perfwaterfall.cli.output import emit_sweep

    sweep = build_sweep(
        measured, key=key, threshold_pct=threshold, waterfall=waterfall, substages=substages
    )
    raise typer.Exit(emit_sweep(sweep, out))
