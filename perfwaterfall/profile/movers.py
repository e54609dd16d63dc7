"""Where the time moved: functions ranked by how much their time per frame changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from perfwaterfall.profile.folded import Stack, is_function, is_import


@dataclass(frozen=True)
class Mover:
    """One function's sampled milliseconds per frame on each side."""

    function: str
    base_ms: float
    head_ms: float

    @property
    def delta(self) -> float:
        return self.head_ms - self.base_ms

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "base_ms": self.base_ms, "head_ms": self.head_ms}

    @classmethod
    def from_dict(cls, data: Any) -> Mover:
        if not isinstance(data, Mapping):
            raise TypeError(f"a mover is an object, got {type(data).__name__}")
        function = data["function"]
        if not isinstance(function, str):
            raise TypeError(f"mover function must be a string, got {function!r}")
        return cls(function, _ms(data["base_ms"]), _ms(data["head_ms"]))


@dataclass(frozen=True)
class Movers:
    """Where the time moved: the top functions by self and by total time, and the sampled
    time per frame of each side (all processes, idle time not sampled)."""

    by_self: tuple[Mover, ...]
    by_total: tuple[Mover, ...]
    base_ms: float
    head_ms: float

    @property
    def empty(self) -> bool:
        return not self.by_self and not self.by_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_self": [m.to_dict() for m in self.by_self],
            "by_total": [m.to_dict() for m in self.by_total],
            "base_ms": self.base_ms,
            "head_ms": self.head_ms,
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
        )


def movers(
    base: Mapping[Stack, int],
    head: Mapping[Stack, int],
    *,
    base_frames: int,
    head_frames: int,
    rate: int,
    top: int = 10,
) -> Movers:
    """The ``top`` functions whose self and total time per frame moved most, largest first.

    Milliseconds per frame (samples / rate * 1000 / frames) let sides of different length
    compare; ``*_frames`` are the frames the profiled round pushed, warm-up included.
    A function seen on one side only counts 0 on the other; one that did not move at all
    is left out. Ties are broken by name, so the output is deterministic. Samples taken
    while importing are start-up, not per-frame work, and are left out, as are the frames
    of runpy and the import system; ``base_ms``/``head_ms`` still count every sample.
    """
    if base_frames <= 0 or head_frames <= 0 or rate <= 0:
        raise ValueError("frames and rate must be positive")
    base_scale = 1000 / rate / base_frames
    head_scale = 1000 / rate / head_frames
    base_self, base_total = _function_samples(base)
    head_self, head_total = _function_samples(head)
    return Movers(
        by_self=_rank(base_self, head_self, base_scale, head_scale, top),
        by_total=_rank(base_total, head_total, base_scale, head_scale, top),
        base_ms=sum(base.values()) * base_scale,
        head_ms=sum(head.values()) * head_scale,
    )


def _function_samples(folded: Mapping[Stack, int]) -> tuple[Counter[str], Counter[str]]:
    """Samples per function: as the leaf (self), and anywhere in the stack, once (total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for stack, count in folded.items():
        functions = [f for f in stack if is_function(f)]
        if not functions or is_import(stack):
            continue
        if is_function(stack[-1]):
            own[stack[-1]] += count
        for function in set(functions):
            total[function] += count
    return own, total


def _rank(
    base: Counter[str], head: Counter[str], base_scale: float, head_scale: float, top: int
) -> tuple[Mover, ...]:
    rows = [
        Mover(name, base[name] * base_scale, head[name] * head_scale)
        for name in base.keys() | head.keys()
    ]
    moved = [m for m in rows if m.delta != 0]
    moved.sort(key=lambda m: (-abs(m.delta), m.function))
    return tuple(moved[: max(top, 0)])


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
