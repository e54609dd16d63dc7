"""Everything a rendering needs, as one value: what was compared, how, and what came out.

Built from a measurement (or, later, a saved bundle); every renderer and exporter
takes a Report and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from perfwaterfall.analysis.comparison import Comparison, ScenarioComparison
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.flamegraph.tree import DiffFlamegraph
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.profile.movers import Movers
from perfwaterfall.store.bundle import Failure
from perfwaterfall.store.machine import MachineInfo


@dataclass(frozen=True)
class SideInfo:
    label: str
    ref: RefInfo
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileView:
    """Where the time moved in one profiled pipeline; problems if a profile was not made."""

    scenario: str | None
    movers: Movers | None
    svg_paths: tuple[Path, ...] = ()  # py-spy's per side, then the differential one
    problems: tuple[str, ...] = ()
    flamegraph: DiffFlamegraph | None = None  # the differential flamegraph's data
    diff_svg: Path | None = None  # where compare writes it, next to py-spy's SVGs


@dataclass(frozen=True)
class Report:
    base: SideInfo
    head: SideInfo
    comparison: Comparison
    frames: int
    warmup: int
    planned_rounds: int
    machine: MachineInfo
    waterfall: str | None = None
    commits: tuple[tuple[str, str], ...] = ()
    commits_total: int = 0
    warnings: tuple[str, ...] = ()
    failure: Failure | None = None
    command: str = ""
    profile: ProfileView | None = None
    policy: RoundsPolicy | None = None
    busy: bool = False  # other processes competed for the CPUs: a warning says how
    substages: str = "changed"  # which stages the waterfall unfolds (present/substages.py)
    gate_pct: float | None = None  # --fail-on-regression, for the outputs that state the gate

    def waterfall_scenario(self) -> ScenarioComparison | None:
        """The pipeline to draw: the one asked for, else the one that moved most."""
        if self.waterfall:
            return self.comparison.get(self.waterfall)
        return self.comparison.most_changed()


@dataclass(frozen=True)
class SweepReport:
    """One ref measured once per value of an environment variable, each value against the first."""

    key: str
    values: tuple[str, ...]
    comparisons: tuple[Comparison, ...]  # comparisons[i]: values[i + 1] against values[0]
    first_last: Report  # the first value against the last, for the waterfall and the header

    def rows(self, scenario: str) -> list[tuple[str, ScenarioComparison | None]]:
        """(value, its comparison against the first value; None for the first row)."""
        out: list[tuple[str, ScenarioComparison | None]] = [(self.values[0], None)]
        for value, comparison in zip(self.values[1:], self.comparisons, strict=True):
            out.append((value, comparison.get(scenario)))
        return out

    def scenario_names(self) -> list[str]:
        return [s.name for s in self.comparisons[0].scenarios] if self.comparisons else []
