"""`perf-waterfall bisect GOOD BAD`: which commit made a quantity slower, with honest verdicts."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from perfwaterfall.analysis.stats import Verdict
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
    Repo,
    Threshold,
    Timeout,
    Warmup,
)
from perfwaterfall.errors import UsageError
from perfwaterfall.history.probe_rule import MAXIMUM_ROUNDS
from perfwaterfall.present.numbers import change_text

if TYPE_CHECKING:
    from rich.console import Console

    from perfwaterfall.analysis.comparison import ScenarioComparison
    from perfwaterfall.history.bisect import Bisection, Probe
    from perfwaterfall.history.commits import Commit
    from perfwaterfall.history.quantity import Quantity
    from perfwaterfall.history.search import Span
    from perfwaterfall.history.sessions import SessionSettings
    from perfwaterfall.measure.run import Observer


def bisect_command(
    ctx: typer.Context,
    good: Annotated[str, typer.Argument(help="A commit where the quantity was fine.")],
    bad: Annotated[str, typer.Argument(help="A later commit where it is slower.")] = "HEAD",
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", "-s", metavar="NAME", help="Pipeline to follow."),
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", metavar="NAME", help="Follow this stage's time.")
    ] = None,
    frame: Annotated[bool, typer.Option("--frame", help="Follow the frame time.")] = False,
    ipc: Annotated[bool, typer.Option("--ipc", help="Follow the IPC overhead.")] = False,
    threshold: Threshold = DEFAULT_THRESHOLD_PCT,
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: AdaptiveRounds = "auto",
    max_rounds: MaxRounds = MAXIMUM_ROUNDS,
    harness_cmd: HarnessCmd = None,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    keep_awake: KeepAwakeFlag = None,
    repo: Repo = Path("."),
    cache_dir: CacheDir = None,
    store: StorePath = None,
    seed: Seeds = None,
) -> None:
    """Find the first commit between GOOD and BAD (first parents) where a quantity got slower.

    Each probe runs interleaved with GOOD and BAD: bad when slower than GOOD, good when
    BAD is slower than it, neither when it lies between two steps; an undecided probe gets
    more rounds, then is skipped, as is a commit whose harness fails. The default quantity
    is the one that regressed most between GOOD and BAD.
    """
    from perfwaterfall.history import bisect as history
    from perfwaterfall.history.commits import first_parent_range, is_ancestor, resolve
    from perfwaterfall.history.sessions import SessionSettings
    from perfwaterfall.render.progress import ProgressDisplay
    from perfwaterfall.render.terminal import make_console

    policy = parse_rounds(rounds, max_rounds, None)
    check_counts(frames=frames, rounds=policy.minimum, warmup=warmup, threshold_pct=threshold)
    if sum((stage is not None, frame, ipc)) > 1:
        raise UsageError("choose one of --stage, --frame and --ipc")
    from perfwaterfall.measure import refs

    handle = refs.open_repo(repo)
    good_commit, bad_commit = resolve(handle, good), resolve(handle, bad)
    if good_commit.sha == bad_commit.sha or not is_ancestor(
        handle, good_commit.sha, bad_commit.sha
    ):
        raise UsageError(f"GOOD ({good}) must be an ancestor of BAD ({bad}) and differ from it")
    commits = first_parent_range(handle, good_commit.sha, bad_commit.sha)
    if not commits or commits[-1].sha != bad_commit.sha:
        raise UsageError(f"BAD ({bad}) has no first-parent path back to GOOD ({good})")
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
    out = make_console(no_color=no_color(ctx))
    err = make_console(no_color=no_color(ctx), stderr=True)
    from perfwaterfall.cli.measuring import say_if_keep_awake_denied

    say_if_keep_awake_denied(err, keep_awake)
    with ProgressDisplay(err, policy.minimum) as progress:
        out.print(
            f"bisecting {len(commits)} commits after {good_commit.short} up to {bad_commit.short}"
        )
        compared = history.endpoints(
            settings,
            cache,
            good_commit,
            bad_commit,
            scenarios=[scenario] if scenario else [],
            policy=policy,
            progress=progress,
        )
        quantity = _quantity(compared, scenario, stage, frame, ipc)
        change = None if quantity is None else quantity.of(_named(compared, quantity.scenario))
        if quantity is None or change is None or change.verdict is not Verdict.SLOWER:
            out.print(
                f"no regression between {good} and {bad}: {_nothing_slower(compared, quantity)}"
            )
            raise typer.Exit(0)
        out.print(f"following the {quantity.describe()}: {change_text(change)} from GOOD to BAD")
        search = history.Bisection(
            settings=settings,
            cache=cache,
            policy=policy,
            good=good_commit,
            bad=bad_commit,
            commits=commits,
            quantity=quantity,
            observer=_ProbeLines(out),
            progress=progress,
        )
        span = search.run()
        _answer(out, search, span, threshold, progress)


def _named(compared: list[ScenarioComparison], name: str) -> ScenarioComparison:
    return next(c for c in compared if c.name == name)


def _nothing_slower(compared: list[ScenarioComparison], quantity: Quantity | None) -> str:
    """What GOOD against BAD said instead, so 'nothing to bisect' is never a bare claim."""
    if quantity is not None:
        change = quantity.of(_named(compared, quantity.scenario))
        said = "not measured at both" if change is None else change_text(change)
        return f"the {quantity.describe()} is not slower ({said}); nothing to bisect"
    frames = "; ".join(f"{c.name} frame time {change_text(c.frame)}" for c in compared)
    return f"nothing is slower ({frames}); nothing to bisect"


class _ProbeLines:
    """Each probe's verdict and figures, printed as it is decided."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def probed(self, probe: Probe, step: int) -> None:
        from perfwaterfall.render.bisect import probe_line

        self.console.print(probe_line(probe, step))


def _quantity(
    compared: list[ScenarioComparison],
    scenario: str | None,
    stage: str | None,
    frame: bool,
    ipc: bool,
) -> Quantity | None:
    """The quantity asked for, on the pipeline where it grew most; else the most regressed."""
    from perfwaterfall.history.quantity import FRAME, IPC, Quantity, most_regressed

    if not (stage or frame or ipc):
        return most_regressed(compared)
    wanted = FRAME if frame else IPC if ipc else str(stage)
    with_it = [
        (change.delta, c.name) for c in compared if (change := Quantity(c.name, wanted).of(c))
    ]
    if not with_it:
        raise UsageError(f"no measured pipeline has a stage {stage!r}")
    return Quantity(max(with_it)[1], wanted)


def _answer(
    out: Console,
    search: Bisection,
    span: Span,
    threshold: float,
    progress: Observer,
) -> None:
    """The commit with its waterfall against its parent and the command to see it again,
    or the range the answer lies in; commits whose harness failed are named either way."""
    from perfwaterfall.analysis.build import build_report
    from perfwaterfall.history.picture import pair_bundle
    from perfwaterfall.render.bisect import print_found, print_range, print_skipped
    from perfwaterfall.render.terminal import print_report

    print_skipped(out, search.probes)
    commits = search.commits
    if not span.single:
        print_range(out, commits[span.first : span.last + 1], search.probes)
        return
    found = commits[span.first]
    parent = search.good if span.last_good < 0 else commits[span.last_good]
    scenario = search.quantity.scenario
    command = _reproduce(search.settings, parent, found, scenario, threshold)
    print_found(out, found, search.quantity.describe())
    bundle = pair_bundle(
        search.settings,
        search.cache,
        parent,
        found,
        scenario=scenario,
        rounds=search.policy.minimum,
        command=command,
        progress=progress,
    )
    print_report(out, build_report(bundle, threshold_pct=threshold, waterfall=scenario))
    out.print(f"reproduce: {command}", highlight=False, markup=False)


def _reproduce(
    settings: SessionSettings, parent: Commit, found: Commit, scenario: str, threshold: float
) -> str:
    argv = ["perf-waterfall", "compare", parent.short, found.short, "-s", scenario]
    argv += ["--frames", str(settings.frames), "--warmup", str(settings.warmup)]
    argv += ["--threshold", f"{threshold:g}", "--repo", str(settings.repo)]
    if settings.harness:
        argv += ["--harness", settings.harness]
    return shlex.join(argv)
