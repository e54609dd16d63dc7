"""Run A/A and injected compares back to back, interleaved, and count their verdicts.

The injected slowdown goes through the harness's environment (``SCENARIOS_SLOWDOWN``
for the built-in scenarios and for harnesses written with the kit), so power is
measured without making commits. ``busy_loop`` adds one spinning process for the
whole calibration: what a shared CI runner looks like.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from perfwaterfall.analysis.build import compare_sides
from perfwaterfall.analysis.comparison import Comparison
from perfwaterfall.calibrate.tally import Tally, count_aa, count_components, count_injected
from perfwaterfall.errors import HarnessFailed
from perfwaterfall.measure.collect import measure_bundle
from perfwaterfall.measure.run import MeasureRequest, Observer, SideRequest
from perfwaterfall.protocol.document import RoundResult
from perfwaterfall.store import bundle as bundles

SLOWDOWN_VARIABLE = "SCENARIOS_SLOWDOWN"

Report = Callable[[str, int, Comparison], None]


@dataclass(frozen=True)
class CalibrationRequest:
    measure: MeasureRequest  # sides are replaced: ref against itself
    ref: str
    runs: int
    stage: str | None  # the stage to slow down on head; None: A/A only
    slowdown_ms: float
    busy_loop: bool = False
    save_dir: Path | None = None


def calibrate(
    request: CalibrationRequest,
    observer: Callable[[], Observer],
    report: Report,
) -> Tally:
    tally = Tally()
    with busy_loop(request.busy_loop):
        for run in range(1, request.runs + 1):
            aa, rounds = _compare(request, run, "aa", {}, request.measure.scenarios, observer())
            count_aa(tally, aa)
            count_components(tally, rounds)
            report("aa", run, aa)
            if request.stage is None:
                continue
            slowed = _with_stage(aa, request.stage)
            if not slowed:
                continue
            env = {SLOWDOWN_VARIABLE: f"{request.stage}:{request.slowdown_ms:g}"}
            injected, _ = _compare(request, run, "injected", env, slowed, observer())
            count_injected(tally, injected, request.stage)
            report("injected", run, injected)
    return tally


def _compare(
    request: CalibrationRequest,
    run: int,
    kind: str,
    head_env: dict[str, str],
    scenarios: tuple[str, ...],
    observer: Observer,
) -> tuple[Comparison, dict[str, tuple[list[RoundResult], list[RoundResult]]]]:
    measure = replace(
        request.measure,
        sides=(SideRequest("base", request.ref), SideRequest("head", request.ref, head_env)),
        scenarios=scenarios,
    )
    bundle = measure_bundle(measure, observer)
    if request.save_dir is not None:
        bundles.save(bundle, request.save_dir / f"calibrate-{kind}-{run:02d}.json")
    if bundle.failure is not None:
        raise HarnessFailed(bundle.failure.message, stderr_tail=bundle.failure.stderr_tail)
    b, h = bundle.sides[0], bundle.sides[-1]
    rounds = {name: (b.rounds[name], h.rounds[name]) for name in bundle.completed()}
    return compare_sides(bundle, 0, -1, request.measure.threshold_pct), rounds


def _with_stage(comparison: Comparison, stage: str) -> tuple[str, ...]:
    """The pipelines that have the stage to slow down: the others would refuse the variable."""
    return tuple(sc.name for sc in comparison.scenarios if sc.stage(stage) is not None)


@contextlib.contextmanager
def busy_loop(enabled: bool) -> Iterator[None]:
    """One process spinning on a CPU for as long as the block runs; always ended."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen(
        [sys.executable, "-c", "while True: pass"],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()
