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
