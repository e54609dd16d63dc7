"""`perf-waterfall cache path|clear`: where bisect and log keep measurements, and emptying it."""

from __future__ import annotations

import typer

from perfwaterfall.cli.history_options import CacheDir, StorePath
from perfwaterfall.history.location import default_cache_dir, default_store_path

cache_app = typer.Typer(
    help="The cache of measurements by commit that bisect and log share.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@cache_app.command("path")
def cache_path_command(cache_dir: CacheDir = None) -> None:
    """Print the cache directory."""
    print(cache_dir or default_cache_dir())


@cache_app.command("clear")
def cache_clear_command(cache_dir: CacheDir = None, store: StorePath = None) -> None:
    """Remove every cached measurement (recorded and imported rows of the store stay)."""
    from perfwaterfall.history.cache import clear

    root = cache_dir or default_cache_dir()
    print(f"removed {clear(root)} cached commit measurement(s) from {root}")
    path = store or default_store_path(cache_dir)
    if path.is_file():
        from perfwaterfall.results.store import ResultsStore

        with ResultsStore(path) as results:
            forgotten = results.forget("cache")
            print(f"removed {forgotten} measured commit(s) of log and bisect from {path}")
