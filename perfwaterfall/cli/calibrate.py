"""`perf-waterfall calibrate`: how trustworthy the verdicts are on this machine, counted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from perfwaterfall.analysis.rounds_policy import AUTO_MAXIMUM
from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_THRESHOLD_PCT,
    DEFAULT_WARMUP,
    check_counts,
    parse_rounds,
)
from perfwaterfall.cli.params import (
    AdaptiveRounds,
    Budget,
    Frames,
    HarnessCmd,
    KeepAwakeFlag,
    MaxRounds,
    Repo,
    Scenarios,
    Threshold,
    Timeout,
    Warmup,
)
from perfwaterfall.errors import UsageError
from perfwaterfall.measure.run import MeasureRequest

if TYPE_CHECKING:
    pass


def calibrate_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Ref to measure against itself.")] = "HEAD",
    runs: Annotated[int, typer.Option(help="A/A compares (and as many injected ones).")] = 10,
    slowdown: Annotated[
        str,
        typer.Option(
            metavar="STAGE:MS",
            help="Slow STAGE down by MS on head (SCENARIOS_SLOWDOWN); 'none' for A/A only.",
        ),
    ] = "Detector:0.7",
    busy_loop: Annotated[
        bool, typer.Option("--busy-loop", help="Keep one process spinning on a CPU meanwhile.")
    ] = False,
    save_dir: Annotated[
        Path | None, typer.Option("--save-dir", help="Keep every compare's bundle here.")
    ] = None,
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: AdaptiveRounds = "auto",
    max_rounds: MaxRounds = AUTO_MAXIMUM,
    budget: Budget = None,
    scenario: Scenarios = None,
    harness_cmd: HarnessCmd = None,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    keep_awake: KeepAwakeFlag = None,
    repo: Repo = Path("."),
) -> None:
    """Run A/A and injected compares on this machine and count what the verdicts said.

    Prints, per pipeline, how often identical code was called faster or slower, the
    smallest change the runs could detect, and how often a known slowdown was found.
    """
    policy = parse_rounds(rounds, max_rounds, budget)
    check_counts(frames=frames, rounds=policy.minimum, warmup=warmup, threshold_pct=threshold)
    if runs < 1:
        raise UsageError(f"--runs must be at least 1, got {runs}")
    stage, slowdown_ms = _parse_slowdown(slowdown)
    if save_dir is not None and not save_dir.is_dir():
        raise UsageError(f"--save-dir {save_dir}: not a directory")

    from perfwaterfall.calibrate.run import CalibrationRequest, calibrate
    from perfwaterfall.render.calibrate import calibration_tables
    from perfwaterfall.render.progress import ProgressDisplay
    from perfwaterfall.render.terminal import make_console

    out = make_console(no_color=no_color(ctx))
    err = make_console(no_color=no_color(ctx), stderr=True)
    request = CalibrationRequest(
        measure=MeasureRequest(
            repo=repo,
            sides=(),
            scenarios=tuple(scenario or ()),
            frames=frames,
            warmup=warmup,
            policy=policy,
            threshold_pct=threshold,
            harness=harness_cmd,
            round_timeout_s=timeout,
            keep_awake=keep_awake,
        ),
        ref=ref,
        runs=runs,
        stage=stage,
        slowdown_ms=slowdown_ms,
        busy_loop=busy_loop,
        save_dir=save_dir,
    )

    def report(kind: str, run: int, comparison: object) -> None:
        from perfwaterfall.analysis.comparison import Comparison

        assert isinstance(comparison, Comparison)
        real = [
            f"{sc.name} {name}"
            for sc in comparison.scenarios
            for name, change in [("frame", sc.frame), ("ipc", sc.ipc)]
            + [(s.name, s.change) for s in sc.stages if s.change is not None]
            if change.significant
        ]
        what = "A/A" if kind == "aa" else "injected"
        err.print(
            f"{what} {run}/{runs}: " + (", ".join(real) + " real" if real else "nothing real")
        )

    tally = calibrate(request, lambda: ProgressDisplay(err, policy.minimum), report)
    for table in calibration_tables(tally, stage, slowdown_ms):
        out.print(table)


def _parse_slowdown(text: str) -> tuple[str | None, float]:
    if text.strip().lower() == "none":
        return None, 0.0
    stage, sep, value = text.rpartition(":")
    try:
        ms = float(value)
    except ValueError:
        ms = -1.0
    if not sep or not stage or not ms > 0 or ms > 10_000:
        raise UsageError(f"--slowdown expects STAGE:MS with MS > 0 (or none), got {text!r}")
    return stage, ms
