"""Everything a rendering needs, as one value: what was compared, how, and what came out.

Built from a measurement (or, later, a saved bundle); every renderer and exporter
takes a Report and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfwaterfall.compare import Comparison, ScenarioComparison
from perfwaterfall.gitrefs import RefInfo
from perfwaterfall.machine import MachineInfo


@dataclass(frozen=True)
class SideInfo:
    label: str
    ref: RefInfo
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """A harness round that failed, for the failure panel."""

    message: str
    stderr_tail: str = ""


@dataclass(frozen=True)
class Report:
    base: SideInfo
    head: SideInfo
    comparison: Comparison
    frames: int
    warmup: int
    rounds: int
    machine: MachineInfo
    waterfall: str | None = None
    commits: tuple[tuple[str, str], ...] = ()
    commits_total: int = 0
    warnings: tuple[str, ...] = ()
    failure: Failure | None = None
    command: str = ""

    def waterfall_scenario(self) -> ScenarioComparison | None:
        """The pipeline to draw: the one asked for, else the one that moved most."""
        if self.waterfall:
            return self.comparison.get(self.waterfall)
        return self.comparison.most_changed()
