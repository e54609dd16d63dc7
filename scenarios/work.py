"""A filter's simulated work: what every stage spends between receiving and sending."""

from __future__ import annotations

import time

# The last part of a simulated sleep that is spun instead (simulate_work).
SPIN_TAIL_NS = 200_000

now = time.perf_counter_ns


def simulate_work(deadline_ns: int, mode: str, spin_tail_ns: int = SPIN_TAIL_NS) -> None:
    """Stand in for a filter's work until ``deadline_ns``: a sleep, or a busy spin (cpu).

    A sleep is spun for its last ``spin_tail_ns``: a sleep alone ends late by the timer
    slack and the wake-up (a median of 150 us here), an amount that varies with the
    machine and would be measured as the filter's time; a spin ends within microseconds.
    """
    if mode == "cpu":
        spin_tail_ns = deadline_ns - now()
    remaining = deadline_ns - now() - spin_tail_ns
    if remaining > 0:
        time.sleep(remaining / 1e9)
    while now() < deadline_ns:
        pass
