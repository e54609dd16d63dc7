"""The results document of one run, what perf-waterfall reads (docs/harness-protocol.md).

``meta`` records every setting the run depended on, so two documents can be told
apart by more than their numbers, and the interpreter and packages it ran with
(``python``, ``packages``): perf-waterfall's machine line shows these, not its own.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

from scenarios.catalog import Scenario
from scenarios.config import Settings
from scenarios.transport import SHM_RUNGS

SCHEMA = "perf-waterfall/results@1"
# What the pipelines' speed depends on, by distribution name (pyproject's `scenarios` extra).
PACKAGES = ("numpy", "pyzmq", "simplejpeg")


def document(
    scenario: Scenario,
    settings: Settings,
    rows: list[list[int]],
    part_rows: list[list[int]],
    *,
    frames: int,
    warmup: int,
    verified: int,
    payload_bytes: int,
    run_id: str,
) -> dict[str, Any]:
    """The document for ``rows``: one row of stage durations (ns) per measured frame.

    ``part_rows`` holds the same frames' hop parts (ns), the document's sub-stages.
    """
    width, height = settings.frame_size(scenario.width, scenario.height)
    params: dict[str, Any] = {"width": width, "height": height, "codec": scenario.codec}
    if scenario.source_size:
        params["source_width"], params["source_height"] = scenario.source_size
    params["work_ms"] = {f.name: f.work_ms for f in scenario.filters}
    meta: dict[str, Any] = {
        "transport": settings.transport,
        "work": settings.work,
        "inflight": settings.inflight,
        "scale": settings.scale,
        # Injected on top of params.work_ms: SCENARIOS_SLOWDOWN, stage -> ms.
        "slowdown_ms": dict(settings.slowdown_ms),
        "frames": frames,
        "warmup": warmup,
        "verified_frames": verified,
        "frame_bytes": width * height * 3,
        "payload_bytes": payload_bytes,
        "python": platform.python_version(),
        "packages": installed_versions(),
        # Names this run's shared-memory segments (scenarios-<run_id>-...) and nothing else.
        "run_id": run_id,
    }
    if settings.transport in SHM_RUNGS:
        meta["shm_slots"] = settings.shm_slots
        meta["shm_slot_size"] = settings.shm_slot_size
    return {
        "schema": SCHEMA,
        "scenario": {"name": scenario.name, "label": scenario.label, "params": params},
        "stages": scenario.stages(),
        "samples_ms": [_ms(row) for row in rows],
        "substages": scenario.substages(),
        "substage_samples_ms": [_ms(row) for row in part_rows],
        "meta": meta,
    }


def installed_versions() -> dict[str, str]:
    """Each of PACKAGES that is installed, name -> version, read from package metadata
    (importing numpy just to ask costs a tenth of a second); a missing one is left out."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _ms(row: list[int]) -> list[float]:
    return [round(ns / 1e6, 6) for ns in row]
