"""Settings that cannot work for a scenario fail here, in one line, before any process starts."""

from __future__ import annotations

from scenarios.catalog import Scenario
from scenarios.config import Settings
from scenarios.errors import UsageError
from scenarios.transport import SHM_RUNGS, owns_pool


def check(scenario: Scenario, settings: Settings) -> None:
    check_slowdown(scenario, settings)
    check_shared_memory(scenario, settings)


def check_slowdown(scenario: Scenario, settings: Settings) -> None:
    """Every stage ``SCENARIOS_SLOWDOWN`` names is one of this pipeline's.

    A typo must not measure nothing: the run would look like an unslowed one.
    """
    stages = [f.name for f in scenario.filters]
    unknown = [name for name, _ in settings.slowdown_ms if name not in stages]
    if unknown:
        raise UsageError(
            f"SCENARIOS_SLOWDOWN names {', '.join(map(repr, unknown))}, not a stage of "
            f"{scenario.name}; its stages: {', '.join(stages)}"
        )


def check_shared_memory(scenario: Scenario, settings: Settings) -> None:
    """On the shared-memory rungs, frames fit their slots and every pool fits /dev/shm."""
    if settings.transport not in SHM_RUNGS:
        return
    from scenarios.transport import shm

    count = len(scenario.filters)
    owners = sum(
        owns_pool(
            settings.transport,
            scenario.codec,
            source=i == 0,
            sink=i == count - 1,
            new_image=f.new_image,
        )
        for i, f in enumerate(scenario.filters)
    )
    width, height = settings.frame_size(scenario.width, scenario.height)
    raw_bytes = width * height * 3 if scenario.codec == "raw" else None
    try:
        shm.preflight(owners, settings.shm_slots, settings.shm_slot_size, raw_bytes)
    except (ValueError, shm.ShmError) as exc:
        raise UsageError(str(exc)) from None
