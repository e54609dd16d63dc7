"""The machine's knobs that change timings: frequency, idle states, halt polling, ASLR, memory.

The same ground as ``pyperf system show``, read-only and without root: each knob is
read from sysfs or procfs where the kernel exposes it. Virtual machines expose few of
them (the host decides); those are reported ``unknown``.
"""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path

from perfwaterfall.doctor.findings import Finding, read_int, read_value, unknown
from perfwaterfall.protocol.sanitize import shown

CPU = Path("/sys/devices/system/cpu")
HALTPOLL = Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
KVM_HALT_POLL = Path("/sys/module/kvm/parameters/halt_poll_ns")
PROC_SYS = Path("/proc/sys/kernel")
# The kernel's default; it lowers the rate when perf's sampling interrupts run too long.
PERF_DEFAULT_RATE = 100_000
# Tasks stalled on memory for 1% of the last 10 s is already reclaim or swap in the times.
PSI_SOME_LIMIT = 1.0
MEM_AVAILABLE_LIMIT = 0.10


def governor_finding() -> Finding:
    heading = "CPU frequency governor"
    governors = {
        path.parent.parent.name: value
        for path in sorted(CPU.glob("cpu[0-9]*/cpufreq/scaling_governor"))
        if (value := read_value(path)) is not None
    }
    if not governors:
        return unknown(
            "governor",
            heading,
            "no cpufreq driver here (usual in a VM): the host sets the frequency",
        )
    driver = read_value(CPU / "cpu0/cpufreq/scaling_driver")
    distinct = sorted(set(governors.values()))
    value = ", ".join(distinct) + (f" (driver {driver})" if driver else "")
    data = {"governors": governors, "driver": driver}
    if distinct == ["performance"]:
        return Finding("governor", heading, "ok", value, "the CPUs run at full speed", data)
    return Finding(
        "governor",
        heading,
        "warn",
        value,
        "the clock follows the load, so rounds start slower: "
        "`sudo cpupower frequency-set -g performance` (or `pyperf system tune`)",
        data,
    )


def turbo_finding() -> Finding:
    heading = "Turbo / boost"
    no_turbo = read_int(CPU / "intel_pstate/no_turbo")
    boost = read_int(CPU / "cpufreq/boost")
    if no_turbo is not None:
        enabled, source = no_turbo == 0, "intel_pstate/no_turbo"
    elif boost is not None:
        enabled, source = boost == 1, "cpufreq/boost"
    else:
        return unknown("turbo", heading, "no turbo or boost switch here (usual in a VM)")
    data = {"enabled": enabled, "source": source}
    if enabled:
        return Finding(
            "turbo",
            heading,
            "warn",
            f"enabled ({source})",
            "the clock depends on temperature and on how many cores are busy: "
            "disable it for steadier times (`pyperf system tune` does)",
            data,
        )
    return Finding("turbo", heading, "ok", f"disabled ({source})", "a steady clock", data)


def cpuidle_finding() -> Finding:
    heading = "cpuidle"
    driver = read_value(CPU / "cpuidle/current_driver")
    governor = read_value(CPU / "cpuidle/current_governor") or read_value(
        CPU / "cpuidle/current_governor_ro"
    )
    if driver is None and governor is None:
        return unknown("cpuidle", heading, "no cpuidle interface here")
    states = [
        name
        for path in sorted(CPU.glob("cpu0/cpuidle/state[0-9]*/name"), key=_state_number)
        if (name := read_value(path)) is not None
    ]
    value = f"driver {driver or 'none'}, governor {governor or 'none'}"
    if states:
        value += f"; states {', '.join(states)}"
    data = {"driver": driver, "governor": governor, "states": states}
    if driver == "haltpoll":
        advice = "a KVM guest that may poll before halting: how fast an idle CPU wakes up "
        advice += "depends on halt polling (below)"
    else:
        advice = "deep idle states add wake-up time to every IPC hop: compare runs only "
        advice += "under the same idle setup"
    return Finding("cpuidle", heading, "info", value, advice, data)


def haltpoll_finding() -> Finding:
    heading = "Halt polling"
    guest, kvm = read_int(HALTPOLL), read_int(KVM_HALT_POLL)
    cmdline = read_value("/proc/cmdline") or ""
    flags = [t for t in cmdline.split() if re.match(r"(cpuidle_)?haltpoll[.=]", t)]
    if guest is None and kvm is None and not flags:
        return unknown("haltpoll", heading, "no halt polling here (not a KVM guest or host)")
    parts = []
    if guest is not None:
        parts.append(f"guest_halt_poll_ns {guest}")
    if kvm is not None:
        parts.append(f"kvm halt_poll_ns {kvm}")
    if flags:
        parts.append(f"cmdline {' '.join(flags)}")
    data = {"guest_halt_poll_ns": guest, "kvm_halt_poll_ns": kvm, "cmdline": flags}
    if guest == 0:
        advice = "the guest halts without polling: each wake-up of an idle CPU is a VM exit, "
        advice += "which lengthens IPC hops; compare runs only under the same setting"
    else:
        advice = "polling trades CPU time for faster wake-ups, so IPC hop times depend on it: "
        advice += "compare runs only under the same setting"
    return Finding("haltpoll", heading, "info", "; ".join(parts), advice, data)


def aslr_finding() -> Finding:
    heading = "ASLR"
    level = read_int(PROC_SYS / "randomize_va_space")
    if level is None:
        return unknown("aslr", heading, "kernel.randomize_va_space is not readable here")
    data = {"randomize_va_space": level}
    if level == 2:
        return Finding(
            "aslr",
            heading,
            "ok",
            "full randomization (2)",
            "each run gets a new memory layout, so rounds average over layouts",
            data,
        )
    if level == 0:
        return Finding(
            "aslr",
            heading,
            "warn",
            "disabled (0)",
            "every run shares one memory layout, whose luck is in every time: "
            "`sudo sysctl kernel.randomize_va_space=2`",
            data,
        )
    return Finding(
        "aslr",
        heading,
        "info",
        f"partial ({level})",
        "the heap is not randomized: `sudo sysctl kernel.randomize_va_space=2`",
        data,
    )


def perf_rate_finding() -> Finding:
    heading = "perf_event_max_sample_rate"
    rate = read_int(PROC_SYS / "perf_event_max_sample_rate")
    if rate is None:
        return unknown("perf_rate", heading, "kernel.perf_event_max_sample_rate is not readable")
    data = {"perf_event_max_sample_rate": rate}
    if rate < PERF_DEFAULT_RATE:
        return Finding(
            "perf_rate",
            heading,
            "info",
            str(rate),
            "lowered by the kernel: perf's sampling interrupts took too long, "
            "a sign of a slow or overloaded machine",
            data,
        )
    return Finding(
        "perf_rate",
        heading,
        "ok",
        str(rate),
        "the kernel has not had to lower it (it does when interrupts run long)",
        data,
    )


def memory_finding() -> Finding:
    heading = "Memory pressure"
    available, total = _meminfo("MemAvailable"), _meminfo("MemTotal")
    data: dict[str, object] = {"mem_available_kib": available, "mem_total_kib": total}
    psi = _pressure(_read_text(Path("/proc/pressure/memory")))
    free = f"{available / 1024**2:.1f} GiB available" if available is not None else ""
    if psi is not None:
        data["pressure"] = psi
        some = psi.get("some", {}).get("avg10", 0.0)
        full = psi.get("full", {}).get("avg10", 0.0)
        value = f"stalled {some:.2f}% (some) / {full:.2f}% (full) of the last 10 s"
        value += f"; {free}" if free else ""
        if some >= PSI_SOME_LIMIT:
            return Finding(
                "memory",
                heading,
                "warn",
                value,
                "tasks wait for memory (reclaim or swap): free memory first",
                data,
            )
        return Finding("memory", heading, "ok", value, "no task is waiting for memory", data)
    if available is None or not total:
        return unknown("memory", heading, "neither /proc/pressure/memory nor /proc/meminfo")
    value = f"{free} of {total / 1024**2:.1f} GiB"
    if available < MEM_AVAILABLE_LIMIT * total:
        return Finding(
            "memory",
            heading,
            "warn",
            value,
            "under a tenth of memory available: reclaim may slow the pipeline",
            data,
        )
    return Finding("memory", heading, "ok", value, "plenty of memory available", data)


def _pressure(text: str | None) -> dict[str, dict[str, float]] | None:
    """``some avg10=0.00 avg60=... total=N`` lines as {"some": {"avg10": 0.0, ...}}."""
    if not text:
        return None
    found: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        if not line.split():
            continue
        kind, *pairs = line.split()
        values = {}
        for pair in pairs:
            key, _, number = pair.partition("=")
            with contextlib.suppress(ValueError):
                if math.isfinite(value := float(number)):
                    values[shown(key)] = value
        found[shown(kind)] = values
    return found or None


def _read_text(path: Path) -> str | None:
    """A file of several lines, raw: the parsers escape what they keep."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _meminfo(field: str) -> int | None:
    for line in (_read_text(Path("/proc/meminfo")) or "").splitlines():
        name, _, rest = line.partition(":")
        if name == field:
            try:
                return int(rest.split()[0])
            except (IndexError, ValueError):
                return None
    return None


def _state_number(path: Path) -> int:
    digits = path.parent.name.removeprefix("state")
    return int(digits) if digits.isdigit() else 0
