"""The defaults of the measuring commands and the checks of what the user typed."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.errors import UsageError
from perfwaterfall.export.formats import FORMATS

ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Five rounds per side for the fixed design of run and sweep (compare defaults to auto);
# 20 frames make a round's median stable: what varies more is the rounds themselves.
DEFAULT_FRAMES = 20
DEFAULT_WARMUP = 3
DEFAULT_ROUNDS = 5
DEFAULT_THRESHOLD_PCT = 2.0
DEFAULT_ROUND_TIMEOUT_S = 300.0


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
    check_threshold(threshold_pct)


def check_threshold(threshold_pct: float) -> None:
    """A margin of 'same' that is a number: inf would call every change same, nan none."""
    if not (math.isfinite(threshold_pct) and 0 <= threshold_pct < 1000):
        raise UsageError(
            f"--threshold must be a percentage from 0 to below 1000, got {threshold_pct:g}"
        )


def threshold_checked(value: float) -> float:
    """The --threshold option's own check, so every command that takes it refuses the same."""
    check_threshold(value)
    return value


def parse_sweep(spec: str) -> tuple[str, tuple[str, ...]]:
    """'KEY=v1,v2,...' to (KEY, values); at least two distinct values."""
    key, sep, rest = spec.partition("=")
    values = tuple(v for v in rest.split(",") if v)
    if not sep or not ENV_KEY.match(key) or len(values) < 2:
        raise UsageError(f"--env expects KEY=v1,v2[,...] with two or more values, got {spec!r}")
    if len(set(values)) != len(values):
        raise UsageError(f"--env {spec!r} repeats a value")
    return key, values


@dataclass(frozen=True)
class OutputOptions:
    format: str = "terminal"
    output: Path | None = None
    svg: Path | None = None
    html: Path | None = None
    fail_on_regression: float | None = None
    no_color: bool = False

    def check(self) -> None:
        if self.format not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.fail_on_regression is not None and self.fail_on_regression < 0:
            raise UsageError("--fail-on-regression takes a percentage >= 0")
        for flag, path in (("--output", self.output), ("--svg", self.svg), ("--html", self.html)):
            if path is not None and not path.parent.is_dir():
                raise UsageError(f"{flag} {path}: directory {path.parent} does not exist")


def parse_rounds(text: str, max_rounds: int, budget: float | None) -> RoundsPolicy:
    """``auto`` or a positive count; the adaptive limits are checked here, before measuring."""
    if budget is not None and not budget > 0:
        raise UsageError(f"--budget must be a positive number of seconds, got {budget:g}")
    if text.strip().lower() == "auto":
        if not 1 <= max_rounds <= 1000:
            raise UsageError(f"--max-rounds must be from 1 to 1000, got {max_rounds}")
        return RoundsPolicy.auto(maximum=max_rounds, budget_s=budget)
    try:
        rounds = int(text)
    except ValueError:
        raise UsageError(f"--rounds expects auto or a number, got {text!r}") from None
    if rounds < 1:
        raise UsageError(f"--rounds must be at least 1, got {rounds}")
    return RoundsPolicy.fixed(rounds)
