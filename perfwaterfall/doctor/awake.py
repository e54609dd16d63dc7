"""Whether a run may keep the CPUs awake here: the PM QoS device, and the rule that permits it.

Runs hold ``/dev/cpu_dma_latency`` at 0 while rounds run (measure/keep_awake.py). Root
may; another user needs the device opened to a group, which a udev rule does.
"""

from __future__ import annotations

from perfwaterfall.doctor.findings import Finding
from perfwaterfall.measure import keep_awake

HEADING = "Keep awake"
RULE_FILE = "/etc/udev/rules.d/99-cpu-dma-latency.rules"
NO_LIMIT_US = 2_000_000_000  # the kernel's default: no request holds the CPUs awake


def keep_awake_finding() -> Finding:
    path = keep_awake.device_path()
    rule = keep_awake.UDEV_RULE
    permit = (
        f"to permit it, put {rule} in {RULE_FILE}, add yourself to group "
        f"{keep_awake.UDEV_GROUP} and run `udevadm trigger`"
    )
    data: dict[str, object] = {"device": str(path), "udev_rule": rule}
    if not path.exists():
        data.update(possible=False, limit_us=None)
        return Finding(
            "keep_awake",
            HEADING,
            "info",
            f"no {path} here",
            "runs measure with the CPUs free to idle (the setting is recorded as denied)",
            data,
        )
    denied = keep_awake.denied_reason(True, path)
    limit = keep_awake.effective_latency_us(path)
    data.update(possible=denied is None, limit_us=limit)
    now = _now(limit)
    if denied is not None:
        return Finding("keep_awake", HEADING, "warn", f"not permitted{now}", permit, data)
    return Finding(
        "keep_awake",
        HEADING,
        "ok",
        f"possible: runs hold {path} at 0 while rounds run{now}",
        f"--no-keep-awake switches it off; for a non-root user: {rule}",
        data,
    )


def _now(limit: int | None) -> str:
    """What the kernel's latency limit says right now (any process's requests count)."""
    if limit is None:
        return ""
    if limit >= NO_LIMIT_US:
        return "; not held now"
    if limit == 0:
        return "; held now (latency limit 0 µs, by this or another process)"
    return f"; latency limit now {limit} µs (another process asks for it)"
