"""`perf-waterfall log RANGE`: a range of history, a row per commit, sparklines per stage."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from perfwaterfall.analysis.rounds_policy import AUTO_MAXIMUM
from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.history_options import CacheDir, Seeds, StorePath, open_cache
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
    Frames,
    HarnessCmd,
    KeepAwakeFlag,
    MaxRounds,
    Output,
    Repo,
    Scenarios,
    Threshold,
    Timeout,
    Warmup,
)
from perfwaterfall.errors import UsageError

LOG_FORMATS = ("terminal", "markdown", "json")


def log_command(
    ctx: typer.Context,
    range_text: Annotated[
        str, typer.Argument(metavar="RANGE", help="START..END, e.g. main~20..main (git's range).")
    ],
    step: Annotated[
        int,
        typer.Option("--step", metavar="N", help="Measure every Nth commit (the newest always)."),
    ] = 1,
    scenario: Scenarios = None,
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: AdaptiveRounds = "auto",
    max_rounds: MaxRounds = AUTO_MAXIMUM,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    harness_cmd: HarnessCmd = None,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    keep_awake: KeepAwakeFlag = None,
    repo: Repo = Path("."),
    format: Annotated[
        str, typer.Option("--format", metavar="|".join(LOG_FORMATS), help="Output format.")
    ] = "terminal",
    output: Output = None,
    cache_dir: CacheDir = None,
    seed: Seeds = None,
    store: StorePath = None,
    recorded: Annotated[
        bool,
        typer.Option(
            "--recorded",
            help="Show what the results store holds, measuring nothing (a log per machine).",
        ),
    ] = False,
    fill_missing: Annotated[
        bool,
        typer.Option(
            "--fill-missing",
            help="With --recorded: first measure the commits the store lacks on this machine.",
        ),
    ] = False,
) -> None:
    """Measure each commit of RANGE (first parents) against the one before it.

    Per pipeline, a row per commit; a step that is slower or faster than the previous
    point is marked, and each column gets a sparkline across the range.
    """
    from perfwaterfall.cli.measuring import check_parent
    from perfwaterfall.history.commits import first_parent_range, parse_range
    from perfwaterfall.history.series import build_log, every_nth, measure_log
    from perfwaterfall.history.sessions import SessionSettings
    from perfwaterfall.render.progress import ProgressDisplay
    from perfwaterfall.render.terminal import make_console

    policy = parse_rounds(rounds, max_rounds, None)
    check_counts(frames=frames, rounds=policy.minimum, warmup=warmup, threshold_pct=threshold)
    if step < 1:
        raise UsageError(f"--step must be at least 1, got {step}")
    if format not in LOG_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(LOG_FORMATS)}, got {format!r}")
    if output is not None:
        check_parent(output, "--output")
    from perfwaterfall.measure import refs

    handle = refs.open_repo(repo)
    start, end = parse_range(handle, range_text)
    commits = every_nth(first_parent_range(handle, start.sha, end.sha), step)
    if not commits:
        raise UsageError(f"{range_text} holds no commit")
    scenarios = tuple(scenario or ())
    settings = SessionSettings(
        repo=repo,
        frames=frames,
        warmup=warmup,
        threshold_pct=threshold,
        harness=harness_cmd,
        round_timeout_s=timeout,
        keep_awake=keep_awake,
    )
    cache = open_cache(repo, harness_cmd, frames, warmup, cache_dir, seed or (), store, keep_awake)
    err = make_console(no_color=no_color(ctx), stderr=True)
    if fill_missing or not recorded:
        from perfwaterfall.cli.measuring import say_if_keep_awake_denied

        say_if_keep_awake_denied(err, keep_awake)
    if recorded or fill_missing:
        from perfwaterfall.cli.recorded_log import log_recorded

        with ProgressDisplay(err, policy.minimum) as progress:
            reports = log_recorded(
                settings, cache, commits, range_text, scenarios, policy, fill_missing, progress
            )
        _emit(reports, format, output, no_color(ctx))
        return
    with ProgressDisplay(err, policy.minimum) as progress:
        measure_log(settings, cache, commits, scenarios=scenarios, policy=policy, progress=progress)
    report = build_log(
        cache, commits, text=range_text, scenarios=scenarios, threshold_pct=threshold, policy=policy
    )
    _emit([report], format, output, no_color(ctx))


def _draw(report: Any, console: Any) -> None:
    from perfwaterfall.render.log import print_log

    print_log(console, report)


def _emit(reports: list[Any], format: str, output: Path | None, plain: bool) -> None:
    """One log as ever; several (one per machine, from the store) one after the other,
    as a JSON array in JSON."""
    from perfwaterfall.export.log_json import log_to_json
    from perfwaterfall.export.log_markdown import log_to_markdown
    from perfwaterfall.history.series import LogReport
    from perfwaterfall.render.log import print_log
    from perfwaterfall.render.terminal import make_console, plain_text
    from perfwaterfall.store.atomic import write_atomically

    assert all(isinstance(report, LogReport) for report in reports)
    if format == "terminal" and output is None:
        for report in reports:
            print_log(make_console(no_color=plain), report)
        return
    if format == "terminal":
        texts = [plain_text(partial(_draw, r)) for r in reports]
    else:
        texts = [log_to_json(r) if format == "json" else log_to_markdown(r) for r in reports]
    text = "\n".join(texts)
    if format == "json" and len(texts) > 1:
        text = "[\n" + ",\n".join(t.rstrip() for t in texts) + "\n]\n"
    if output is None:
        print(text, end="")
    else:
        write_atomically(output, text)
