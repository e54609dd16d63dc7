"""`perf-waterfall publish DIR`: the results store as a static dashboard (asv publish's job)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from perfwaterfall.cli.history_options import CacheDir, StorePath
from perfwaterfall.errors import UsageError
from perfwaterfall.history.location import default_store_path


def publish_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where the pages go.")],
    ref: Annotated[
        str,
        typer.Option("--ref", help="Commits in this ref's first-parent order; others left out."),
    ] = "HEAD",
    repo: Annotated[
        Path | None,
        typer.Option(
            "--repo", help="The repository that orders commits (default: here, if one is)."
        ),
    ] = None,
    cache_dir: CacheDir = None,
    store: StorePath = None,
) -> None:
    """Write a dashboard that opens from disk: every pipeline, stage and part over the
    recorded commits, change points marked and linked to their waterfalls."""
    from perfwaterfall.publish.site import publish
    from perfwaterfall.results.store import ResultsStore

    path = store or default_store_path(cache_dir)
    if not path.is_file():
        raise UsageError(f"no results store at {path} (record commits first, or name --store)")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    started = time.monotonic()
    order = _order(repo, ref)
    with ResultsStore(path) as results:
        done = publish(results, directory, order)
    print(
        f"published {done.pipelines} pipeline(s) over {done.commits} commit(s), "
        f"{done.change_points} change point(s), {done.pages} page(s) to {directory} "
        f"in {time.monotonic() - started:.1f} s"
    )


def _order(repo: Path | None, ref: str) -> list[str] | None:
    """First-parent history of ``ref``, oldest first; None outside a repository."""
    from perfwaterfall.measure import refs

    if repo is None:
        try:
            handle = refs.open_repo(Path("."))
        except UsageError:
            return None
    else:
        handle = refs.open_repo(repo)
    sha = refs.commit_sha(handle, ref)
    if sha is None:
        raise UsageError(f"unknown ref {ref!r}: it names no commit")
    out = refs.git_output(handle, "rev-list", "--first-parent", "--reverse", sha)
    return out.split()
