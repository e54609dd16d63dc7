"""Two machines told apart in words: what differed between two separate runs' hosts.

Only what changes the speed of the same code is compared: the CPU model and count,
the kernel, the keep-awake state (a CPU let into deep idle wakes slower), and the
host itself (two CI runners of one type still differ by a few percent). The
interpreter and packages are the harness's, and may be the change under test.
"""

from __future__ import annotations

from perfwaterfall.store.machine import MachineInfo

# (attribute, the word a reader knows it by)
FINGERPRINT = (
    ("cpu", "CPU"),
    ("cores", "cores"),
    ("system", "kernel"),
    ("keep_awake", "keep-awake"),
    ("host_id", "host"),
)
UNKNOWN = "unknown"


def fingerprint(machine: MachineInfo) -> dict[str, str]:
    """The machine's fingerprint, word -> value; what was not recorded is 'unknown'."""
    out = {}
    for attribute, word in FINGERPRINT:
        value = getattr(machine, attribute)
        out[word] = UNKNOWN if value is None or value == "" else str(value)
    return out


def machine_differences(base: MachineInfo, head: MachineInfo) -> list[str]:
    """One phrase per part that differs, e.g. 'CPU AMD EPYC 7763 (base), Intel Xeon (head)';
    empty when the fingerprints match."""
    b, h = fingerprint(base), fingerprint(head)
    return [f"{word} {b[word]} (base), {h[word]} (head)" for word in b if b[word] != h[word]]
