"""Simulated work ends at its deadline, never before it, whichever way it waits."""

from __future__ import annotations

import time

import pytest

from scenarios.work import SPIN_TAIL_NS, simulate_work


@pytest.mark.parametrize(
    ("mode", "work_ns", "tail_ns"),
    [
        ("sleep", 3_000_000, SPIN_TAIL_NS),  # sleeps, then spins the tail
        ("sleep", 100_000, SPIN_TAIL_NS),  # shorter than the tail: spins only
        ("sleep", 3_000_000, 0),  # sleeps only
        ("cpu", 1_000_000, SPIN_TAIL_NS),  # spins only
    ],
)
def test_work_never_ends_before_its_deadline(mode: str, work_ns: int, tail_ns: int) -> None:
    for _ in range(5):
        deadline = time.perf_counter_ns() + work_ns
        simulate_work(deadline, mode, tail_ns)
        assert time.perf_counter_ns() >= deadline
