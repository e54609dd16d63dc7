"""What the user asked for, as one typed, frozen value built once by the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from perfwaterfall.errors import UsageError

ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Defaults chosen so `make waterfall` gives verdicts on all six pipelines in about
# two minutes on a 2-core machine: 5 rounds per side is the fewest that lets a
# Mann-Whitney test on round medians reach p < 0.05 with room for one outlier
# (4 is the bare minimum); frames per round only need to make the round median stable.
DEFAULT_FRAMES = 20
DEFAULT_WARMUP = 3
DEFAULT_ROUNDS = 5
DEFAULT_THRESHOLD_PCT = 2.0
DEFAULT_ROUND_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class CompareOptions:
    base: str | None  # None: origin/main, else main, else master
    head: str = "HEAD"
    frames: int = DEFAULT_FRAMES
    warmup: int = DEFAULT_WARMUP
    rounds: int = DEFAULT_ROUNDS
    scenarios: tuple[str, ...] = ()
    waterfall: str | None = None
    base_env: dict[str, str] = field(default_factory=dict)
    head_env: dict[str, str] = field(default_factory=dict)
    harness: str | None = None
    same_harness: bool = False
    threshold_pct: float = DEFAULT_THRESHOLD_PCT
    repo: Path = Path(".")
    round_timeout_s: float = DEFAULT_ROUND_TIMEOUT_S


def parse_env_pairs(pairs: Iterable[str], flag: str) -> dict[str, str]:
    """``KEY=VALUE`` strings to a dict; a malformed one is a usage error naming the flag."""
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not ENV_KEY.match(key):
            raise UsageError(f"{flag} expects KEY=VALUE, got {pair!r}")
        env[key] = value
    return env


def check_counts(*, frames: int, rounds: int, warmup: int, threshold_pct: float) -> None:
    if frames < 1:
        raise UsageError(f"--frames must be at least 1, got {frames}")
    if rounds < 1:
        raise UsageError(f"--rounds must be at least 1, got {rounds}")
    if warmup < 0:
        raise UsageError(f"--warmup must be at least 0, got {warmup}")
    if not 0 <= threshold_pct < 1000:
        raise UsageError(
            f"--threshold must be a percentage between 0 and 1000, got {threshold_pct}"
        )
