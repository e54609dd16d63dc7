"""What bisect and log share: the cache options and the cache they open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from perfwaterfall.history.location import CACHE_ENV, STORE_NAME, default_store_path

if TYPE_CHECKING:
    from perfwaterfall.history.cache import MeasurementCache

CacheDir = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        metavar="DIR",
        help=f"Where measurements are kept by commit (default: ${CACHE_ENV}, "
        "else $XDG_CACHE_HOME/perf-waterfall).",
    ),
]
StorePath = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="PATH",
        help=f"The results store (SQLite; default: {STORE_NAME} in the cache directory).",
    ),
]
Seeds = Annotated[
    list[Path] | None,
    typer.Option(
        "--seed",
        metavar="BUNDLE",
        help="A bundle saved with --save whose commits need not be measured again (repeatable).",
    ),
]


def open_cache(
    repo: Path,
    harness: str | None,
    frames: int,
    warmup: int,
    directory: Path | None,
    seeds: Sequence[Path],
    store: Path | None = None,
    keep_awake: bool | None = None,
) -> MeasurementCache:
    """The cache of this harness, these options and this machine (its keep-awake setting
    included), seeded with ``seeds``: rows in the results store, so what ``record`` kept is
    not measured again."""
    from perfwaterfall.history.cache import CacheKey
    from perfwaterfall.history.location import default_cache_dir
    from perfwaterfall.history.seed import seed_cache
    from perfwaterfall.measure import keep_awake as awake
    from perfwaterfall.measure import refs
    from perfwaterfall.protocol.harness_spec import load_harness_spec
    from perfwaterfall.results.store import ResultsStore
    from perfwaterfall.results.store_cache import StoreCache
    from perfwaterfall.store.machine import describe_machine

    root = refs.repo_root(refs.open_repo(repo))
    spec = load_harness_spec(root, harness)
    machine = replace(describe_machine(), keep_awake=awake.expected_setting(keep_awake))
    key = CacheKey(spec.argv, spec.setup, frames, warmup, machine)
    results = ResultsStore(store or default_store_path(directory))
    cache = StoreCache(results, directory or default_cache_dir(), key)
    for seed in seeds:
        seed_cache(cache, seed)
    return cache
