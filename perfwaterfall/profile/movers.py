"""Where the time moved: functions ranked by how much their time per frame changed, each
with its sampling noise (``noise.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from perfwaterfall.profile.folded import Stack, is_function, is_import
from perfwaterfall.profile.noise import BeyondNoise, Estimate, SideSamples, estimates


@dataclass(frozen=True)
class Mover(BeyondNoise):
    """One function's sampled milliseconds per frame on each side, and the half-width of
    sampling noise around the change (``profile/noise.py``): within it the change is ``~``."""

    function: str
    base_ms: float
    head_ms: float
    uncertainty_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "base_ms": self.base_ms,
            "head_ms": self.head_ms,
            "uncertainty_ms": self.uncertainty_ms,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Mover:
        if not isinstance(data, Mapping):
            raise TypeError(f"a mover is an object, got {type(data).__name__}")
        function = data["function"]
        if not isinstance(function, str):
            raise TypeError(f"mover function must be a string, got {function!r}")
        return cls(
            function,
            _ms(data["base_ms"]),
            _ms(data["head_ms"]),
            _ms(data.get("uncertainty_ms", 0.0)),
        )


@dataclass(frozen=True)
class Movers:
    """Where the time moved: the top functions by self and by total time, real movers first,
    and the sampled time per frame of each side (all processes, idle time not sampled) with
    the samples and profiled rounds behind it."""

    by_self: tuple[Mover, ...]
    by_total: tuple[Mover, ...]
    base_ms: float
    head_ms: float
    base_samples: int = 0
    head_samples: int = 0
    base_rounds: int = 1
    head_rounds: int = 1

    @property
    def empty(self) -> bool:
        return not self.by_self and not self.by_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_self": [m.to_dict() for m in self.by_self],
            "by_total": [m.to_dict() for m in self.by_total],
            "base_ms": self.base_ms,
            "head_ms": self.head_ms,
            "base_samples": self.base_samples,
            "head_samples": self.head_samples,
            "base_rounds": self.base_rounds,
            "head_rounds": self.head_rounds,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Movers:
        """KeyError, TypeError or ValueError on a malformed document: bundle.py maps them."""
        if not isinstance(data, Mapping):
            raise TypeError(f"movers are an object, got {type(data).__name__}")
        return cls(
            by_self=tuple(Mover.from_dict(m) for m in _list(data["by_self"])),
            by_total=tuple(Mover.from_dict(m) for m in _list(data["by_total"])),
            base_ms=_ms(data["base_ms"]),
            head_ms=_ms(data["head_ms"]),
            base_samples=_whole(data.get("base_samples", 0)),
            head_samples=_whole(data.get("head_samples", 0)),
            base_rounds=_whole(data.get("base_rounds", 1)),
            head_rounds=_whole(data.get("head_rounds", 1)),
        )


def movers(base: SideSamples, head: SideSamples, *, top: int = 10) -> Movers:
    """The ``top`` functions whose self and total time per frame moved most: real movers
    first (largest change first), then those within sampling noise.

    Milliseconds per frame let sides of different length compare. A function seen on one
    side only counts 0 on the other; one that did not move at all is left out. Ties are
    broken by name, so the output is deterministic. Samples taken while importing are
    start-up, not per-frame work, and are left out, as are the frames of runpy and the
    import system; ``base_ms``/``head_ms`` still count every sample.
    """
    return Movers(
        by_self=_rank(estimates(base, head, _self_key), top),
        by_total=_rank(estimates(base, head, _total_keys), top),
        base_ms=base.total_ms,
        head_ms=head.total_ms,
        base_samples=base.samples,
        head_samples=head.samples,
        base_rounds=len(base.rounds),
        head_rounds=len(head.rounds),
    )


def _self_key(stack: Stack) -> tuple[str, ...]:
    """The leaf, when it is a function of a sample taken after start-up."""
    if is_import(stack) or not stack or not is_function(stack[-1]):
        return ()
    return (stack[-1],)


def _total_keys(stack: Stack) -> tuple[str, ...]:
    """Every function on the stack (once: recursion counts once), after start-up."""
    return () if is_import(stack) else tuple(f for f in stack if is_function(f))


def _rank(found: Mapping[str, Estimate], top: int) -> tuple[Mover, ...]:
    rows = [
        Mover(name, e.base_ms, e.head_ms, e.uncertainty_ms)
        for name, e in found.items()
        if e.delta != 0
    ]
    rows.sort(key=lambda m: (not m.real, -abs(m.delta), m.function))
    return tuple(rows[: max(top, 0)])


def _list(value: Any) -> Iterable[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected an array, got {type(value).__name__}")
    return value


def _ms(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number of milliseconds, got {value!r}")
    if value < 0 or value != value:
        raise ValueError(f"milliseconds must be a non-negative number, got {value!r}")
    return float(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return value
