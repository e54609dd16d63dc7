"""`run` measures one ref into a bundle; `show` renders saved bundles again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.measuring import check_output, check_parent, measure_with_progress
from perfwaterfall.cli.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_ROUNDS,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    check_counts,
    parse_env_pairs,
)
from perfwaterfall.cli.params import (
    DEFAULT_SUBSTAGES,
    Format,
    Frames,
    Gate,
    HarnessCmd,
    Html,
    KeepAwakeFlag,
    Output,
    Repo,
    Rounds,
    Scenarios,
    Substages,
    Svg,
    Threshold,
    Timeout,
    Warmup,
    Waterfall,
)
from perfwaterfall.errors import UsageError
from perfwaterfall.measure.run import MeasureRequest, SideRequest


def run_command(
    ctx: typer.Context,
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
    keep_awake: KeepAwakeFlag = None,
    repo: Repo = Path("."),
) -> None:
    """Measure one ref and save it, to compare later with `show BASE.json HEAD.json`."""
    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=0)
    check_parent(save, "--save")
    request = MeasureRequest(
        repo=repo,
        sides=(SideRequest("run", ref, parse_env_pairs(env or (), "--env")),),
        scenarios=tuple(scenario or ()),
        frames=frames,
        warmup=warmup,
        policy=RoundsPolicy.fixed(rounds),
        harness=harness_cmd,
        round_timeout_s=timeout,
        keep_awake=keep_awake,
    )
    measured = measure_with_progress(request, no_color(ctx), save)
    from perfwaterfall.render.summary import side_table
    from perfwaterfall.render.terminal import make_console

    console = make_console(no_color=no_color(ctx))
    console.print(side_table(measured))
    console.print(f"saved to {save}", style="pw.dim")
    if measured.failure is not None:
        console.print(measured.failure.message, style="pw.error", soft_wrap=True)
        raise typer.Exit(1)


def show_command(
    ctx: typer.Context,
    bundle: Annotated[list[Path], typer.Argument(help="A bundle, or BASE and HEAD from `run`.")],
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    waterfall: Waterfall = None,
    substages: Substages = DEFAULT_SUBSTAGES,
    format: Format = "terminal",
    output: Output = None,
    svg: Svg = None,
    html: Html = None,
    fail_on_regression: Gate = None,
) -> None:
    """Render a saved bundle again, in any format, without running anything."""
    if len(bundle) > 2:
        raise UsageError("show takes one bundle, or two one-side bundles (BASE HEAD)")
    out = check_output(format, output, svg, html, fail_on_regression, no_color(ctx), None)
    from perfwaterfall.analysis.build import build_report, build_sweep
    from perfwaterfall.analysis.separate_runs import pair_bundles
    from perfwaterfall.cli.output import emit_report, emit_sweep
    from perfwaterfall.store import bundle as bundles

    loaded = [bundles.load(path) for path in bundle]
    data = loaded[0] if len(loaded) == 1 else pair_bundles(loaded[0], loaded[1])
    key = data.extra.get("sweep_key")
    if isinstance(key, str):
        sweep = build_sweep(
            data, key=key, threshold_pct=threshold, waterfall=waterfall, substages=substages
        )
        raise typer.Exit(emit_sweep(sweep, out))
    report = build_report(data, threshold_pct=threshold, waterfall=waterfall, substages=substages)
    raise typer.Exit(emit_report(report, out))
