"""What the driver hands each stage process, resolved once so every process of a run agrees.

It travels as one JSON argument: stage processes never read the environment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

# Control messages (go, done) are tiny; their queues must never block the driver.
CONTROL_HWM = 10_000


@dataclass(frozen=True)
class StageConfig:
    """Everything a stage process needs, resolved by the driver."""

    name: str
    index: int
    count: int
    codec: str
    width: int
    height: int
    work_ms: float
    new_image: bool
    work: str
    transport: str
    input: str
    output: str
    parent: int
    seed: int
    run_id: str
    sock_dir: str
    shm_slots: int
    shm_slot_size: int
    shm_timeout_s: float = 60.0
    jpeg_quality: int = 85
    debug: bool = False
    #: Injected on top of ``work_ms`` (``SCENARIOS_SLOWDOWN``), even in a stage with none.
    slowdown_ms: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @property
    def is_source(self) -> bool:
        return self.index == 0

    @property
    def is_sink(self) -> bool:
        return self.index == self.count - 1

    @property
    def work_ns(self) -> int:
        """The simulated work of one frame: the stage's own plus any injected slowdown."""
        return int(self.work_ms * 1e6) + round(self.slowdown_ms * 1e6)
