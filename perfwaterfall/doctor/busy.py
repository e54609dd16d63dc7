"""The busy-machine findings: the CPUs, the load average, the busiest other processes.

All three come from one ``load.sample`` so they describe the same half second.
"""

from __future__ import annotations

from perfwaterfall.doctor.findings import Finding, unknown
from perfwaterfall.measure import load

# A CPU at least this busy over the sample is named as busy.
BUSY_CPU = 0.25


def cpus_finding(sample: load.LoadSample) -> Finding:
    heading = "CPUs"
    count, usable = load.cpu_count(), load.usable_cpus()
    if count is None:
        return unknown("cpus", heading, "the CPU count is not exposed here")
    where = f"{count} CPUs" + (f" ({usable} usable here)" if usable and usable != count else "")
    data = {
        "count": count,
        "usable": usable,
        "per_cpu_busy": _rounded(sample.per_cpu_busy),
        "steal_fraction": None
        if sample.steal_fraction is None
        else round(sample.steal_fraction, 3),
    }
    if sample.per_cpu_busy is None:
        return Finding(
            "cpus",
            heading,
            "info",
            f"{where}; per-CPU use unknown",
            "/proc/stat is not readable: cannot tell which CPUs are busy",
            data,
        )
    busy = [(i, share) for i, share in enumerate(sample.per_cpu_busy) if share >= BUSY_CPU]
    steal = sample.steal_fraction or 0.0
    seen = ", ".join(f"cpu{i} {share:.0%}" for i, share in busy) or "none"
    value = f"{where}; busy over {sample.seconds:.1f} s: {seen}"
    if steal >= 0.01:
        value += f"; the hypervisor took {steal:.0%}"
    if busy or steal > load.STEAL_LIMIT:
        advice = "measure when these CPUs are idle, or on a runner of its own"
        if steal > load.STEAL_LIMIT:
            advice = "other virtual machines share these cores: prefer a dedicated runner"
        return Finding("cpus", heading, "warn", value, advice, data)
    return Finding("cpus", heading, "ok", value, "every CPU is idle", data)


def load_finding() -> Finding:
    heading = "Load average"
    averages, count = load.read_load_average(), load.cpu_count()
    if averages is None or not count:
        return unknown("load", heading, "the load average is not exposed here")
    value = f"{averages[0]:.2f} {averages[1]:.2f} {averages[2]:.2f} (1, 5, 15 min) on {count} CPUs"
    data = {"load_avg": [round(v, 2) for v in averages], "cpus": count}
    if averages[0] > load.LOAD_PER_CPU_LIMIT * count:
        return Finding(
            "load",
            heading,
            "warn",
            value,
            "processes have been queueing for the CPUs: wait for the load to settle "
            f"below {load.LOAD_PER_CPU_LIMIT * count:g} before measuring",
            data,
        )
    return Finding("load", heading, "ok", value, "the machine has been quiet lately", data)


def processes_finding(sample: load.LoadSample) -> Finding:
    heading = "Busiest other processes"
    if sample.others_cpu is None:
        return unknown("processes", heading, "/proc is not readable: cannot list processes")
    top = [{"pid": p.pid, "name": p.name, "cpu": round(p.cpu, 3)} for p in sample.top]
    data = {"others_cpu": round(sample.others_cpu, 3), "top": top}
    listed = ", ".join(f"{p.name} (pid {p.pid}) {load.cpu_text(p.cpu)}" for p in sample.top)
    value = listed or "none used the CPU"
    if sample.others_cpu > load.OTHERS_CPU_LIMIT:
        advice = (
            f"other processes used {load.cpu_text(sample.others_cpu)} in all: "
            "they compete with the pipeline for cores"
        )
        return Finding("processes", heading, "warn", value, advice, data)
    return Finding(
        "processes",
        heading,
        "ok",
        value,
        f"other processes used {load.cpu_text(sample.others_cpu)} in all",
        data,
    )


def _rounded(values: list[float] | None) -> list[float] | None:
    return None if values is None else [round(v, 3) for v in values]
