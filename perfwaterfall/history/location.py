"""Where the measurement cache lives: stdlib only, so the CLI's options can name it
without importing the cache (and, through it, bundles and git) at start-up."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "PERF_WATERFALL_CACHE"


def default_cache_dir() -> Path:
    """``$PERF_WATERFALL_CACHE``, else ``$XDG_CACHE_HOME/perf-waterfall``, else ~/.cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "perf-waterfall"


STORE_NAME = "results.sqlite"


def default_store_path(cache_dir: Path | None = None) -> Path:
    """The results store sits in the cache directory (``--cache``, else the default one)."""
    return (cache_dir or default_cache_dir()) / STORE_NAME
