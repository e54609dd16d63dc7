"""The noise doctor: what on this machine will make the times slower or noisier.

``perf-waterfall doctor`` runs every check here, read-only and without root, like
``pyperf system show``: busy CPUs and processes, the frequency and idle setup, ASLR,
memory pressure, and whether py-spy may attach. Each check returns a ``Finding``.
"""

from __future__ import annotations

from perfwaterfall.doctor import attach, awake, busy, tuning
from perfwaterfall.doctor.findings import Finding
from perfwaterfall.measure import load

DOCTOR_SAMPLE_S = 0.5
KEYS = (
    "cpus",
    "load",
    "processes",
    "governor",
    "turbo",
    "cpuidle",
    "haltpoll",
    "keep_awake",
    "aslr",
    "perf_rate",
    "memory",
    "pyspy",
)


def run_checks(sample_s: float = DOCTOR_SAMPLE_S, attach_test: bool = True) -> list[Finding]:
    """Every finding, in the order of ``KEYS``. The CPU sample comes first, before the
    attach test starts processes of its own."""
    sample = load.sample(sample_s)
    return [
        busy.cpus_finding(sample),
        busy.load_finding(),
        busy.processes_finding(sample),
        tuning.governor_finding(),
        tuning.turbo_finding(),
        tuning.cpuidle_finding(),
        tuning.haltpoll_finding(),
        awake.keep_awake_finding(),
        tuning.aslr_finding(),
        tuning.perf_rate_finding(),
        tuning.memory_finding(),
        attach.pyspy_finding(attach_test),
    ]


__all__ = ["KEYS", "Finding", "run_checks"]
