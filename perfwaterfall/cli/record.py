"""`perf-waterfall record [REF]` and `store import|path`: history kept in the results store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.cli.globals import no_color
from perfwaterfall.cli.history_options import CacheDir, StorePath, open_cache
from perfwaterfall.cli.options import (
    DEFAULT_FRAMES,
    DEFAULT_ROUND_TIMEOUT_S,
    DEFAULT_ROUNDS,
    DEFAULT_WARMUP,
    check_counts,
)
from perfwaterfall.cli.params import Frames, HarnessCmd, Repo, Rounds, Scenarios, Timeout, Warmup
from perfwaterfall.errors import UsageError
from perfwaterfall.history.location import default_store_path

store_app = typer.Typer(
    help="The results store: every recorded commit, by harness, settings and machine.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def record_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The commit to record.")] = "HEAD",
    scenario: Scenarios = None,
    frames: Frames = DEFAULT_FRAMES,
    warmup: Warmup = DEFAULT_WARMUP,
    rounds: Rounds = DEFAULT_ROUNDS,
    harness_cmd: HarnessCmd = None,
    timeout: Timeout = DEFAULT_ROUND_TIMEOUT_S,
    repo: Repo = Path("."),
    cache_dir: CacheDir = None,
    store: StorePath = None,
    again: Annotated[
        bool, typer.Option("--again", help="Measure even if the commit is recorded already.")
    ] = False,
) -> None:
    """Measure one commit and append its rounds to the results store (e.g. on every merge)."""
    from perfwaterfall.analysis.rounds_policy import RoundsPolicy
    from perfwaterfall.history.commits import resolve
    from perfwaterfall.history.sessions import SessionSettings, measure_session
    from perfwaterfall.measure import refs
    from perfwaterfall.render.progress import ProgressDisplay
    from perfwaterfall.render.terminal import make_console
    from perfwaterfall.results.rows import StoredCommit
    from perfwaterfall.results.store_cache import StoreCache

    check_counts(frames=frames, rounds=rounds, warmup=warmup, threshold_pct=0)
    if ref == refs.WORKTREE:
        raise UsageError("record measures commits: WORKTREE has none (commit first)")
    commit = resolve(refs.open_repo(repo), ref)
    cache = open_cache(repo, harness_cmd, frames, warmup, cache_dir, (), store)
    assert isinstance(cache, StoreCache)
    cache.origin = "record"
    results = cache.store
    if not again and commit.sha in results.recorded(cache.setup, ("record", "import")):
        print(f"{commit.short} is recorded already in {results.path} (--again to add rounds)")
        return
    results.note_commits([StoredCommit(commit.sha, commit.short, commit.date, commit.subject)])
    settings = SessionSettings(repo, frames, warmup, 0.0, harness_cmd, timeout)
    err = make_console(no_color=no_color(ctx), stderr=True)
    with ProgressDisplay(err, rounds) as progress:
        measure_session(
            settings,
            cache,
            [commit.sha],
            scenarios=tuple(scenario or ()),
            policy=RoundsPolicy.fixed(rounds),
            required=[commit.sha],
            observer=progress,
        )
    kept = cache.get(commit.sha).rounds
    print(
        f"recorded {commit.short} ({commit.subject}): {len(kept)} pipeline(s), "
        f"{rounds} round(s) each, into {results.path}"
    )


@store_app.command("import")
def store_import_command(
    bundle: Annotated[list[Path], typer.Argument(help="Bundles saved by compare or run --save.")],
    harness_cmd: HarnessCmd = None,
    repo: Repo = Path("."),
    cache_dir: CacheDir = None,
    store: StorePath = None,
) -> None:
    """Add the commits of saved bundles (e.g. CI artifacts) to the store."""
    from perfwaterfall.measure import refs
    from perfwaterfall.protocol.harness_spec import load_harness_spec
    from perfwaterfall.results.importing import import_bundle
    from perfwaterfall.results.store import ResultsStore

    spec = load_harness_spec(refs.repo_root(refs.open_repo(repo)), harness_cmd)
    with ResultsStore(store or default_store_path(cache_dir)) as results:
        for path in bundle:
            done = import_bundle(results, path, spec.argv, spec.setup)
            shorts = ", ".join(sha[:12] for sha in done.commits) or "nothing new"
            print(f"{path}: {shorts}")
            for line in done.skipped:
                print(f"  skipped {line}")


@store_app.command("path")
def store_path_command(cache_dir: CacheDir = None, store: StorePath = None) -> None:
    """Print where the results store is."""
    print(store or default_store_path(cache_dir))
