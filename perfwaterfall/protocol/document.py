"""The results document of the harness protocol: its schema and the round it holds.

One document is one *round* of one scenario at one ref (docs/harness-protocol.md).
The constants are the protocol's, shared by the parser (parsing.py), the kit that
writes documents and the span converter; ``to_dict`` writes a round back out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_V1 = "perf-waterfall/results@1"
SUPPORTED_SCHEMAS = (SCHEMA_V1,)
SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\Z")  # '$' would let "name\n" pass
STAGE_KINDS = ("filter", "ipc", "other")
# A document beyond this is not a results document but a mistake (or an attack on memory).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

StageKind = Literal["filter", "ipc", "other"]


@dataclass(frozen=True)
class Stage:
    """A stage of the frame, or (``parent`` set) a sub-stage: a part of another stage's time.

    ``parent`` is the path of the stage it sits in, from the top level; a stage is
    known everywhere by its ``path``, since sub-stage names are unique only among
    siblings (``serialize`` under ``hop 1`` and under ``hop 2``).
    """

    name: str
    kind: StageKind
    parent: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.parent, self.name)

    @property
    def depth(self) -> int:
        """0 for a stage of the frame, 1 for a part of one, ..."""
        return len(self.parent)


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario as a harness describes it; ``params`` is shown, never interpreted."""

    name: str
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RoundResult:
    """One harness ``run``: per-frame stage timings in milliseconds."""

    scenario: ScenarioInfo
    stages: tuple[Stage, ...]
    samples_ms: tuple[tuple[float, ...], ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # Nested stages: parts of the stages' times, never added to the frame time.
    substages: tuple[Stage, ...] = ()
    substage_samples_ms: tuple[tuple[float, ...], ...] = ()

    @property
    def layout(self) -> tuple[tuple[Stage, ...], tuple[Stage, ...]]:
        """What the rounds of one side must share to be compared: stages and sub-stages."""
        return self.stages, self.substages

    @property
    def ipc_indices(self) -> tuple[int, ...]:
        return tuple(i for i, s in enumerate(self.stages) if s.kind == "ipc")

    def to_dict(self) -> dict[str, Any]:
        """The document again; without sub-stages exactly as before nesting existed."""
        doc: dict[str, Any] = {
            "schema": SCHEMA_V1,
            "scenario": {
                "name": self.scenario.name,
                "label": self.scenario.label,
                "params": self.scenario.params,
            },
            "stages": [{"name": s.name, "kind": s.kind} for s in self.stages],
            "samples_ms": [list(row) for row in self.samples_ms],
            "meta": self.meta,
        }
        if self.substages:
            doc["substages"] = [
                {"name": s.name, "kind": s.kind, "parent": _parent_text(s.parent)}
                for s in self.substages
            ]
            doc["substage_samples_ms"] = [list(row) for row in self.substage_samples_ms]
        return doc


def _parent_text(parent: tuple[str, ...]) -> str | list[str]:
    """A top-level parent is written as its name, as a harness may write it."""
    return parent[0] if len(parent) == 1 else list(parent)
