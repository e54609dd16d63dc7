"""`perf-waterfall cache path|clear`: where bisect and log keep measurements, and emptying it."""

from __future__ import annotations

import typer

from perfwaterfall.cli.history_options import CacheDir
from perfwaterfall.history.location import default_cache_dir

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
def cache_clear_command(cache_dir: CacheDir = None) -> None:
    """Remove every cached measurement."""
    from perfwaterfall.history.cache import clear

    root = cache_dir or default_cache_dir()
    print(f"removed {clear(root)} cached commit measurement(s) from {root}")
