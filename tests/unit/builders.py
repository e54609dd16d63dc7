"""Build results documents and reports from a few numbers, for tests of pure code."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from perfwaterfall.analysis.build import compare_sides
from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.analysis.report import Report, SideInfo
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.protocol.document import RoundResult, ScenarioInfo, Stage
from perfwaterfall.store.bundle import Bundle, BundleSide
from perfwaterfall.store.machine import MachineInfo

PIPELINE = (
    Stage("VideoIn", "filter"),
    Stage("hop 1", "ipc"),
    Stage("Detector", "filter"),
    Stage("hop 2", "ipc"),
    Stage("Sink", "filter"),
)
MACHINE = MachineInfo("Test CPU", 2, "3.11.7", "2.0.0", "26.0.0", "Linux test")


def round_result(
    stage_ms: Sequence[float],
    *,
    name: str = "4k_raw",
    label: str = "4K native, 2 filters, raw",
    stages: Sequence[Stage] = PIPELINE,
    frames: int = 5,
    jitter: float = 0.0,
    seed: int = 0,
) -> RoundResult:
    rng = random.Random(seed)
    rows = tuple(
        tuple(max(0.0, v + rng.uniform(-jitter, jitter)) for v in stage_ms) for _ in range(frames)
    )
    return RoundResult(
        scenario=ScenarioInfo(name, label, {}), stages=tuple(stages), samples_ms=rows, meta={}
    )


def rounds(
    stage_ms: Sequence[float], n: int = 5, *, jitter: float = 0.05, seed: int = 0, **kw: object
) -> list[RoundResult]:
    """n rounds whose per-round medians differ a little, as real rounds do."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        drift = rng.uniform(-jitter, jitter)
        out.append(round_result([v + drift if v else v for v in stage_ms], seed=seed + i, **kw))  # type: ignore[arg-type]
    return out


def ref(name: str, short: str, subject: str) -> RefInfo:
    return RefInfo(name=name, sha=short * 5, short=short, subject=subject)


def report(comparison: Comparison, **kw: object) -> Report:
    fields: dict = dict(
        base=SideInfo("base", ref("main", "a1b2c3d", "Baseline transport")),
        head=SideInfo("head", ref("HEAD", "d4e5f6a", "Send frames without copying")),
        comparison=comparison,
        frames=20,
        warmup=3,
        planned_rounds=5,
        machine=MACHINE,
    )
    fields.update(kw)
    return Report(**fields)


def ladder_comparison(threshold_pct: float = 2.0) -> Comparison:
    """copy -> nocopy on 4k_raw, plus an unchanged 480p pipeline."""
    return compare_sides(ladder_bundle(), 0, 1, threshold_pct)


def bundle(
    base: dict[str, list[RoundResult]],
    head: dict[str, list[RoundResult]],
    **kw: object,
) -> Bundle:
    """A two-side bundle as `compare --save` writes it."""
    scenarios = tuple(
        ScenarioInfo(name, rs[-1].scenario.label) for name, rs in head.items() if name in base
    )
    fields: dict = dict(
        sides=(
            BundleSide("base", ref("main", "a1b2c3d", "Baseline transport"), {}, base),
            BundleSide("head", ref("HEAD", "d4e5f6a", "Send frames without copying"), {}, head),
        ),
        scenarios=scenarios,
        frames=5,
        warmup=0,
        planned_rounds=len(next(iter(base.values()))),
        machine=MACHINE,
        commits=(("d4e5f6a", "Send frames without copying"),),
        commits_total=1,
        command="perf-waterfall compare main HEAD",
        created="2026-11-27T10:00:00+00:00",
        tool_version="0.1.0",
    )
    fields.update(kw)
    return Bundle(**fields)


def ladder_bundle() -> Bundle:
    """copy -> nocopy on 4k_raw (real), and an unchanged 480p pipeline (noise)."""
    stages_480 = (
        Stage("VideoIn", "filter"),
        Stage("hop 1", "ipc"),
        Stage("Detector", "filter"),
        Stage("hop 2", "ipc"),
        Stage("Tracker", "filter"),
        Stage("hop 3", "ipc"),
        Stage("Sink", "filter"),
    )
    small = [0.01, 0.3, 8.1, 0.3, 3.1, 0.3, 0.01]
    kw = dict(name="480p_raw", label="480p, 3 filters, raw", stages=stages_480)
    return bundle(
        {
            "4k_raw": rounds([0.02, 17.5, 20.1, 17.4, 0.02], seed=1),
            "480p_raw": rounds(small, seed=3, jitter=0.01, **kw),
        },
        {
            "4k_raw": rounds([0.02, 6.5, 20.1, 6.6, 0.02], seed=2),
            "480p_raw": rounds(small, seed=4, jitter=0.01, **kw),
        },
    )


HOP_PARTS = (Stage("serialize", "ipc", ("hop 1",)), Stage("send", "ipc", ("hop 1",)))


def nested_rounds(
    serialize_ms: float, n: int = 5, seed: int = 0, parts: tuple[Stage, ...] = HOP_PARTS
) -> list[RoundResult]:
    """Rounds of the builders' pipeline with hop 1 (2 ms) split into serialize and send."""
    out = []
    for r in rounds([0.5, 2.0 + serialize_ms - 0.5, 20.0, 1.0, 0.5], n, seed=seed):
        hop = [row[1] for row in r.samples_ms]
        sub = tuple((serialize_ms, h - serialize_ms)[: len(parts)] for h in hop)
        out.append(replace(r, substages=parts, substage_samples_ms=sub))
    return out
