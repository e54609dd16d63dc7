"""What the dashboard draws, read from the store: per machine and pipeline, every
quantity (frame, each stage, each part) as a series of round medians over commits.

Commits are put in first-parent order of the repository's HEAD when there is one
(a store carries commits from many branches); commits of the store that are not on
it are left out. Without a repository, the order is the order they were recorded in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perfwaterfall.analysis.tdist import t_quantile
from perfwaterfall.results.rows import Setup, StoredCommit, Summary
from perfwaterfall.results.store import ResultsStore


@dataclass(frozen=True)
class Line:
    """One quantity of one pipeline over the commits; ``rounds[i]`` may be empty (a gap)."""

    name: str  # "frame", a stage's name, or a part's path joined with " / "
    depth: int  # 0 the frame, 1 a stage, 2 and more a part
    rounds: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class PipelineHistory:
    setup: Setup
    scenario: str
    commits: tuple[StoredCommit, ...]
    lines: tuple[Line, ...]

    @property
    def slug(self) -> str:
        return f"{self.setup.fingerprint[:8]}-{self.scenario}"


def read_histories(store: ResultsStore, order: Sequence[str] | None) -> list[PipelineHistory]:
    """Every (machine, pipeline) with its lines; ``order``: shas oldest first, or None."""
    known = store.commits()
    out = []
    for setup_id, setup in store.setups():
        by_scenario: dict[str, dict[str, list[Summary]]] = {}
        for summary in store.summaries(setup_id):
            by_scenario.setdefault(summary.scenario, {}).setdefault(summary.sha, []).append(summary)
        for scenario, by_sha in sorted(by_scenario.items()):
            shas = [s for s in order if s in by_sha] if order is not None else list(by_sha)
            if not shas:
                continue
            commits = tuple(known.get(s) or StoredCommit(s, s[:12], "", "") for s in shas)
            out.append(PipelineHistory(setup, scenario, commits, _lines(shas, by_sha)))
    return out


def _lines(shas: Sequence[str], by_sha: dict[str, list[Summary]]) -> tuple[Line, ...]:
    """The frame, then each stage followed by its parts, in the order the rounds name them."""
    values: dict[tuple[str, ...], list[list[float]]] = {}  # by path, in the order first seen
    for i, sha in enumerate(shas):
        for summary in by_sha[sha]:
            pairs = [((n,), ms) for n, ms in summary.stages] + list(summary.parts)
            for path, ms in pairs:
                if path not in values:
                    values[path] = [[] for _ in shas]
                values[path][i].append(ms)
    frame = tuple(tuple(s.frame_ms for s in by_sha[sha]) for sha in shas)
    lines = [Line("frame", 0, frame)]
    for stage in (p for p in values if len(p) == 1):
        for path in (p for p in values if p[0] == stage[0]):
            rounds = tuple(tuple(v) for v in values[path])
            lines.append(Line(" / ".join(path), len(path), rounds))
    return tuple(lines)


def interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """The mean of a commit's round medians and its t interval (none from one round)."""
    n = len(values)
    centre = math.fsum(values) / n
    if n < 2:
        return centre, centre, centre
    sd = math.sqrt(math.fsum((v - centre) ** 2 for v in values) / (n - 1))
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return centre, centre - half, centre + half
