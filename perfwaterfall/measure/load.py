"""How busy the machine is: a short sample of /proc, to keep beside the times it explains.

A shared CI runner makes every stage slower and noisier, and the verdicts weaker,
without any sign in the times themselves. ``load_snapshot()`` taken before and after
a run records who else was using the CPUs; ``busy_warning()`` turns two snapshots
into the one line a report shows. ``perf-waterfall doctor`` reads the same sample.

Read from /proc directly rather than with psutil: two reads of ``/proc/stat`` and
of every ``/proc/PID/stat`` a fraction of a second apart are all it takes, in a tool
that runs on Linux only, and it keeps a compiled dependency out of the install.
Anything the machine does not expose (no /proc, a field missing) is None, never an error.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfwaterfall.protocol.sanitize import shown

PROC = Path("/proc")
SNAPSHOT_VERSION = 1
LOAD_KEY = "load"  # in a bundle's extra: {"before": snapshot, "after": snapshot}
# 0.2 s of sampling plus two passes over /proc stays under 0.3 s with a few hundred
# processes; /proc counts CPU time in 1/100 s, so a busy CPU shows as about 20 ticks.
SNAPSHOT_SAMPLE_S = 0.2
TOP_PROCESSES = 3
# Thresholds of busy_warning, chosen for a 2-core CI runner:
# other processes using a quarter of a CPU on average take a visible share of one
# core from a pipeline that keeps every core busy;
OTHERS_CPU_LIMIT = 0.25
# a load average above half the CPUs before the run means, on average, that our
# processes will queue behind others for a core part of the time;
LOAD_PER_CPU_LIMIT = 0.5
# and a hypervisor taking a tenth of the CPU time is a neighbour we cannot see.
STEAL_LIMIT = 0.10


@dataclass(frozen=True)
class ProcessCpu:
    """One process and the CPU it used over a sample (1.0: one CPU all the time)."""

    pid: int
    name: str  # already shown(): escaped, safe to print
    cpu: float


@dataclass(frozen=True)
class LoadSample:
    """What the CPUs did over ``seconds``; None where /proc did not tell."""

    seconds: float
    per_cpu_busy: list[float] | None  # share of each CPU's time not idle, 0..1
    busy_fraction: float | None  # the same over all CPUs
    steal_fraction: float | None  # share of all CPU time the hypervisor took
    others_cpu: float | None  # CPUs' worth used by every process but this one
    top: list[ProcessCpu]  # the busiest of those, busiest first


def read_cpu_ticks() -> dict[str, tuple[int, int, int]] | None:
    """``/proc/stat``'s ``cpu``/``cpuN`` lines as (busy, steal, total) ticks, or None."""
    try:
        text = (PROC / "stat").read_text()
    except OSError:
        return None
    ticks: dict[str, tuple[int, int, int]] = {}
    for line in text.splitlines():
        if not line.startswith("cpu"):
            continue
        name, *values = line.split()
        try:
            # user nice system idle iowait irq softirq steal [guest guest_nice]; guest
            # time is already counted in user and nice.
            numbers = [int(v) for v in values[:8]]
        except ValueError:
            continue
        if len(numbers) < 4:
            continue
        idle = numbers[3] + (numbers[4] if len(numbers) > 4 else 0)
        steal = numbers[7] if len(numbers) > 7 else 0
        total = sum(numbers)
        ticks[name] = (total - idle - steal, steal, total)
    return ticks or None


def read_process_ticks() -> dict[int, tuple[str, int]]:
    """Every process's (command name, user + system CPU ticks), from ``/proc/PID/stat``."""
    found: dict[int, tuple[str, int]] = {}
    try:
        entries = list(os.scandir(PROC))
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text(errors="replace")
        except OSError:  # gone since the listing, or not ours to read
            continue
        # The name is in parentheses and may itself hold spaces and ")".
        open_at, close_at = text.find("("), text.rfind(")")
        fields = text[close_at + 2 :].split()
        try:
            found[int(entry.name)] = (
                text[open_at + 1 : close_at],
                int(fields[11]) + int(fields[12]),
            )
        except (IndexError, ValueError):
            continue
    return found


def read_load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, or None."""
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def sample(seconds: float, top: int = TOP_PROCESSES) -> LoadSample:
    """Read the CPU counters, sleep ``seconds``, read them again."""
    tick_hz = _tick_hz()
    cpu_before, procs_before = read_cpu_ticks(), read_process_ticks()
    started = time.monotonic()
    time.sleep(seconds)
    cpu_after, procs_after = read_cpu_ticks(), read_process_ticks()
    elapsed = max(time.monotonic() - started, 1e-3)
    per_cpu, busy, steal = _cpu_shares(cpu_before, cpu_after)
    others_cpu: float | None = None
    ranked: list[ProcessCpu] = []
    if procs_after:
        me = os.getpid()
        used: list[ProcessCpu] = []
        for pid, (name, ticks) in procs_after.items():
            # A process new since the first read spent all its ticks within the sample.
            earlier = procs_before.get(pid, (name, 0))[1]
            if pid != me and ticks > earlier:
                used.append(ProcessCpu(pid, shown(name), (ticks - earlier) / tick_hz / elapsed))
        # Counted in whole ticks, the sum can overshoot the CPUs there are by a tick or two.
        others_cpu = min(sum(p.cpu for p in used), float(os.cpu_count() or 1))
        ranked = sorted(used, key=lambda p: (-p.cpu, p.pid))[:top]
    return LoadSample(elapsed, per_cpu, busy, steal, others_cpu, ranked)


def cpu_count() -> int | None:
    return os.cpu_count()


def usable_cpus() -> int | None:
    """The CPUs this process may run on (a container's cpuset, ``taskset``), or None."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def load_snapshot(sample_s: float = SNAPSHOT_SAMPLE_S, top: int = TOP_PROCESSES) -> dict[str, Any]:
    """How busy the machine is now, as a JSON-ready dict to store beside a run's times.

    Takes ``sample_s`` (0.2 s) plus the reads. Keys: ``version``; ``time`` (Unix
    seconds); ``cpus`` and ``usable_cpus``; ``load_avg`` ([1, 5, 15 min]);
    ``sample_s``; ``busy_fraction``, ``steal_fraction`` and ``per_cpu_busy`` (0..1);
    ``others_cpu`` (CPUs' worth used by every process but this one); ``top``: up to
    ``top`` of those as ``{"pid", "name", "cpu"}``, busiest first, names escaped.
    Any value but ``version``, ``time``, ``sample_s`` and ``top`` may be None.
    Take it before and after a run, not during: only this process is left out, so a
    running harness and its children would count as other processes.
    """
    taken = time.time()
    load = read_load_average()
    measured = sample(sample_s, top)
    return {
        "version": SNAPSHOT_VERSION,
        "time": round(taken, 3),
        "cpus": cpu_count(),
        "usable_cpus": usable_cpus(),
        "load_avg": None if load is None else [round(v, 2) for v in load],
        "sample_s": round(measured.seconds, 3),
        "busy_fraction": _rounded(measured.busy_fraction),
        "steal_fraction": _rounded(measured.steal_fraction),
        "per_cpu_busy": None
        if measured.per_cpu_busy is None
        else [round(v, 3) for v in measured.per_cpu_busy],
        "others_cpu": _rounded(measured.others_cpu),
        "top": [{"pid": p.pid, "name": p.name, "cpu": round(p.cpu, 3)} for p in measured.top],
    }


def busy_warning(before: Any, after: Any) -> str | None:
    """One line when the machine was busy around a run, else None.

    Fires when other processes used more than ``OTHERS_CPU_LIMIT`` of a CPU on average
    over the two snapshots; when the 1-minute load average *before* the run exceeded
    ``LOAD_PER_CPU_LIMIT`` per CPU (the one after includes our own run, so it is not
    used); or when the hypervisor stole more than ``STEAL_LIMIT`` of the CPU time.
    Either snapshot may be None or come from an old or hand-edited bundle: what is
    missing or malformed is ignored.
    """
    snapshots = [s for s in (before, after) if isinstance(s, dict)]
    reasons: list[str] = []
    others = [v for s in snapshots if (v := _number(s.get("others_cpu"))) is not None]
    if others and (mean := sum(others) / len(others)) > OTHERS_CPU_LIMIT:
        reasons.append(f"other processes used {cpu_text(mean)} on average{_busiest(snapshots)}")
    if isinstance(before, dict):
        load, cpus = before.get("load_avg"), _number(before.get("cpus"))
        first = _number(load[0]) if isinstance(load, list) and load else None
        if first is not None and cpus and first > LOAD_PER_CPU_LIMIT * cpus:
            reasons.append(f"the load average was {first:.2f} on {cpus:g} CPUs before the run")
    steals = [v for s in snapshots if (v := _number(s.get("steal_fraction"))) is not None]
    if steals and (worst := max(steals)) > STEAL_LIMIT:
        reasons.append(f"the hypervisor took {worst:.0%} of the CPU time")
    if not reasons:
        return None
    return (
        f"busy machine: {'; '.join(reasons)}: times are slower and noisier than on a quiet "
        "machine (`perf-waterfall doctor` shows what is busy)"
    )


def cpu_text(cpus: float) -> str:
    """``40% of a CPU`` below one CPU, ``1.9 CPUs`` above: what a person reads at a glance."""
    if cpus < 1.05:  # a tick too many makes one busy CPU 102%: say 100%
        return f"{min(cpus, 1.0):.0%} of a CPU"
    return f"{cpus:.1f} CPUs"


def _busiest(snapshots: list[dict[str, Any]]) -> str:
    """`` (busiest: NAME pid N, 95% of a CPU)``, the top process of either snapshot, or ''."""
    best: tuple[float, str, int] | None = None
    for snapshot in snapshots:
        for entry in snapshot.get("top") or []:
            if not isinstance(entry, dict):
                continue
            cpu, pid = _number(entry.get("cpu")), entry.get("pid")
            if cpu is not None and isinstance(pid, int) and (best is None or cpu > best[0]):
                best = (cpu, shown(str(entry.get("name", "?"))), pid)
    return "" if best is None else f" (busiest: {best[1]} pid {best[2]}, {cpu_text(best[0])})"


def _cpu_shares(
    before: dict[str, tuple[int, int, int]] | None, after: dict[str, tuple[int, int, int]] | None
) -> tuple[list[float] | None, float | None, float | None]:
    if not before or not after:
        return None, None, None

    def share(name: str, index: int) -> float | None:
        if name not in before or name not in after:
            return None
        total = after[name][2] - before[name][2]
        return (
            None
            if total <= 0
            else min(1.0, max(0.0, (after[name][index] - before[name][index]) / total))
        )

    names = sorted((n for n in after if n[3:].isdigit()), key=lambda n: int(n[3:]))
    per_cpu = [v for n in names if (v := share(n, 0)) is not None]
    return per_cpu or None, share("cpu", 0), share("cpu", 1)


def _tick_hz() -> int:
    try:
        return os.sysconf("SC_CLK_TCK") or 100
    except (ValueError, OSError):
        return 100


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
