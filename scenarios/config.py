"""Run settings read from the environment, validated once, in the driver.

Stage processes never read the environment: the driver hands each one a resolved
``StageConfig`` so every process of a run agrees on the settings.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeVar

from scenarios.errors import UsageError
from scenarios.transport import RUNGS

WorkMode = Literal["sleep", "cpu"]
WORK_MODES: tuple[str, ...] = ("sleep", "cpu")

DEFAULT_TRANSPORT = "nocopy"
DEFAULT_SHM_SLOTS = 4
DEFAULT_SHM_SLOT_SIZE = 32 * 1024 * 1024
DEFAULT_STALL_S = 60.0
# A minute of extra work per frame is already far past anything worth measuring.
MAX_SLOWDOWN_MS = 60_000.0
# Frames of a few hundred bytes go through every transport just the same; smaller
# than this the picture stops looking like one.
MIN_SIDE = 16

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on besides the scenario and the frame counts."""

    transport: str = DEFAULT_TRANSPORT
    work: WorkMode = "sleep"
    scale: float = 1.0
    inflight: int = 1
    shm_slots: int = DEFAULT_SHM_SLOTS
    shm_slot_size: int = DEFAULT_SHM_SLOT_SIZE
    stall_s: float = DEFAULT_STALL_S
    jpeg_quality: int = 85
    #: Extra simulated work per stage, in ms: (stage name, ms) in the order given.
    slowdown_ms: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``SCENARIOS_*``; any bad value is one ``UsageError`` naming the variable."""
        env = os.environ if env is None else env
        transport = env.get("SCENARIOS_TRANSPORT", "") or DEFAULT_TRANSPORT
        if transport not in RUNGS:
            raise UsageError(
                f"SCENARIOS_TRANSPORT={transport!r} is not a transport; "
                f"valid values: {', '.join(RUNGS)}"
            )
        work = env.get("SCENARIOS_WORK", "") or "sleep"
        if work not in WORK_MODES:
            raise UsageError(
                f"SCENARIOS_WORK={work!r} is not a work mode; valid values: {', '.join(WORK_MODES)}"
            )
        return cls(
            transport=transport,
            work="cpu" if work == "cpu" else "sleep",
            scale=_number(env, "SCENARIOS_SCALE", 1.0, float, lo=0.001, hi=1.0),
            inflight=_number(env, "SCENARIOS_INFLIGHT", 1, int, lo=1, hi=1024),
            shm_slots=_number(env, "SCENARIOS_SHM_SLOTS", DEFAULT_SHM_SLOTS, int, lo=2, hi=4096),
            shm_slot_size=_number(
                env, "SCENARIOS_SHM_SLOT_SIZE", DEFAULT_SHM_SLOT_SIZE, int, lo=4096, hi=2**50
            ),
            stall_s=_number(env, "SCENARIOS_STALL_S", DEFAULT_STALL_S, float, lo=0.1, hi=86400.0),
            slowdown_ms=_slowdown(env.get("SCENARIOS_SLOWDOWN", "")),
        )

    def slowdown_of(self, stage: str) -> float:
        """The extra work injected into ``stage``, in ms (0 for a stage not named)."""
        return dict(self.slowdown_ms).get(stage, 0.0)

    def frame_size(self, width: int, height: int) -> tuple[int, int]:
        """The scaled frame size: even sides (JPEG chroma subsampling), at least ``MIN_SIDE``."""
        if self.scale == 1.0:
            return width, height

        def side(n: int) -> int:
            return max(MIN_SIDE, round(n * self.scale / 2) * 2)

        return side(width), side(height)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(env: Mapping[str, str], name: str, default: N, kind: type[N], *, lo: N, hi: N) -> N:
    raw = env.get(name, "")
    if raw == "":
        return default
    value = _parse(raw, kind, lo=lo, hi=hi)
    if value is None:
        what = "an integer" if kind is int else "a number"
        raise UsageError(f"{name}={raw!r} must be {what} from {lo} to {hi}")
    return value


def _parse(raw: str, kind: type[N], *, lo: N, hi: N) -> N | None:
    """``raw`` as a finite ``kind`` from ``lo`` to ``hi``, else None."""
    try:
        value = kind(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and lo <= value <= hi else None


def _slowdown(raw: str) -> tuple[tuple[str, float], ...]:
    """``SCENARIOS_SLOWDOWN``: ``STAGE:MS`` entries, comma-separated (``Detector:0.7,Sink:0.2``).

    Whether each stage exists depends on the pipeline: ``scenarios.preflight`` checks that.
    """
    if not raw.strip():
        return ()
    out: dict[str, float] = {}
    for entry in raw.split(","):
        name, colon, ms = (part.strip() for part in entry.partition(":"))
        value = _parse(ms, float, lo=0.0, hi=MAX_SLOWDOWN_MS)
        if not (name and colon and value is not None):
            raise UsageError(
                f"SCENARIOS_SLOWDOWN={raw!r} must be STAGE:MS entries, comma-separated "
                f"(e.g. Detector:0.7), each MS a number from 0 to {MAX_SLOWDOWN_MS:g}"
            )
        if name in out:
            raise UsageError(f"SCENARIOS_SLOWDOWN={raw!r} names stage {name!r} twice")
        out[name] = value
    return tuple(out.items())
