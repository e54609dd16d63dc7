"""The values the store keeps rows under: the setup (harness, settings, machine), the
commit as the dashboard names it, a round's summary."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from perfwaterfall.store.fingerprint import FINGERPRINT
from perfwaterfall.store.machine import MachineInfo

Origin = Literal["record", "import", "cache"]


# What names a machine's line: the fingerprint `show` compares separate runs by
# (store/fingerprint.py) without the host: a CI runner's host changes with every job,
# and its history must stay one line. Fixed here, so a field MachineInfo gains later
# does not start every machine's history over.
FINGERPRINT_FIELDS = tuple(name for name, _ in FINGERPRINT if name != "host_id")


@dataclass(frozen=True)
class Setup:
    """What must agree for two measurements of one commit to be comparable."""

    harness: tuple[str, ...]
    setup: tuple[str, ...] | None
    frames: int
    warmup: int
    machine: MachineInfo
    stored: str | None = field(default=None, compare=False)  # the digest of a row read back

    @property
    def fingerprint(self) -> str:
        """The machine alone (no host name: a CI runner's changes with every job)."""
        described = self.machine.to_dict()
        return _digest({name: described.get(name) for name in FINGERPRINT_FIELDS})

    @property
    def digest(self) -> str:
        if self.stored is not None:
            return self.stored
        return _digest(
            [
                list(self.harness),
                self.setup and list(self.setup),
                self.frames,
                self.warmup,
                self.fingerprint,
            ]
        )


@dataclass(frozen=True)
class StoredCommit:
    sha: str
    short: str
    date: str
    subject: str


@dataclass(frozen=True)
class Summary:
    """One round's medians: what a dashboard draws."""

    sha: str
    scenario: str
    frame_ms: float
    stages: tuple[tuple[str, float], ...]
    parts: tuple[tuple[tuple[str, ...], float], ...]


def machine_of(data: dict[str, Any]) -> MachineInfo:
    """A stored machine, whatever fields MachineInfo has gained or lost since it was kept
    (its rows are still found: the setup read back keeps its stored digest)."""
    return MachineInfo.from_dict(data)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]
