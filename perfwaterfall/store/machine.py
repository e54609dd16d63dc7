"""The machine a measurement ran on, for the header, for bundles and for fingerprints.

perf-waterfall records what it can see of the machine (CPU, cores, kernel, a hashed
host name, the keep-awake state). The versions that matter are the harness's: they
come from its results documents' ``meta`` (``python``, ``packages``), never from
perf-waterfall's own interpreter, which may not even have the harness's packages.
Bundles from before that kept ``numpy`` and ``pyzmq`` here; they still read as then.
"""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# A line the header can hold: further packages are counted, not named.
MAX_PACKAGES_SHOWN = 6


@dataclass(frozen=True)
class MachineInfo:
    cpu: str
    cores: int
    python: str  # the interpreter perf-waterfall ran under
    numpy: str | None = None  # only in bundles from before the harness reported versions
    pyzmq: str | None = None
    system: str = ""  # kernel: 'Linux 6.8.0-45-generic'
    keep_awake: str | None = None  # 'held', 'off', 'denied'; None: not recorded
    host_id: str | None = None  # a hash of the host name: tells hosts apart, names none
    # From the harness's meta, set for a report (never stored in a bundle's machine):
    harness_python: str | None = None
    packages: tuple[tuple[str, str], ...] = ()  # (name, version), as the harness said

    def to_dict(self) -> dict[str, Any]:
        """Fields that hold something: an old bundle keeps exactly the keys it had."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "packages":
                if value:
                    out[f.name] = dict(value)
            elif value is not None:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MachineInfo:
        """Known keys only: what a later version records (or another tool adds) is kept
        out rather than refused."""
        known = {f.name for f in fields(cls)} - {"harness_python", "packages"}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def legacy(self) -> bool:
        """A bundle from before the harness's versions were read: perf-waterfall's numpy
        and pyzmq stood for them."""
        return self.numpy is not None or self.pyzmq is not None

    def one_line(self) -> str:
        if self.legacy:
            return (
                f"{self.cpu} · {self.cores} cores · Python {self.python} · "
                f"numpy {self.numpy} · pyzmq {self.pyzmq}"
            )
        parts = [self.cpu, f"{self.cores} cores"]
        if self.system:
            parts.append(self.system)
        if self.keep_awake is not None:
            parts.append(f"keep-awake {self.keep_awake}")
        if self.harness_python is not None:
            parts.append(f"Python {self.harness_python}")
        shown = self.packages[:MAX_PACKAGES_SHOWN]
        parts += [f"{name} {version}" for name, version in shown]
        if len(self.packages) > len(shown):
            parts.append(f"{len(self.packages) - len(shown)} more packages")
        return " · ".join(parts)


def describe_machine() -> MachineInfo:
    """What this machine is; the harness's versions come later, from its documents."""
    return MachineInfo(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        python=platform.python_version(),
        system=f"{platform.system()} {platform.release()}",
        host_id=_host_id(),
    )


def with_harness(machine: MachineInfo, metas: list[list[Mapping[str, Any]]]) -> MachineInfo:
    """``machine`` with what the harness reported in its documents' ``meta``, per side.

    A version the sides disagree on reads 'base → head' ('2.2.6 → 2.4.6'); what no
    document reports is left out. Bundles from before keep their line as it was.
    """
    if machine.legacy:
        return machine
    reported = [_side_versions(side) for side in metas]
    pythons = [python for python, _ in reported]
    names = dict.fromkeys(name for _, versions in reported for name in versions)
    packages = tuple(
        (name, _joined([versions.get(name) for _, versions in reported])) for name in names
    )
    return replace(
        machine,
        harness_python=_joined(pythons) if any(pythons) else None,
        packages=packages,
    )


def _side_versions(side: list[Mapping[str, Any]]) -> tuple[str | None, dict[str, str]]:
    """The interpreter and packages (name -> version) one side's documents report; a
    later document's word stands (one run's documents agree anyway)."""
    python: str | None = None
    versions: dict[str, str] = {}
    for meta in side:
        versions.update(_packages(meta))
        said = meta.get("python")
        if isinstance(said, str) and said:
            python = said
    return python, versions


def _packages(meta: Mapping[str, Any]) -> dict[str, str]:
    raw = meta.get("packages")
    if not isinstance(raw, Mapping):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str) and v}


def _joined(versions: list[str | None]) -> str:
    known = [v if v is not None else "?" for v in versions]
    distinct = list(dict.fromkeys(known))
    return distinct[0] if len(distinct) == 1 else " → ".join(known)


def _host_id() -> str:
    """Twelve hex digits of the host name's SHA-256: enough to tell two CI runners apart."""
    return hashlib.sha256(platform.node().encode()).hexdigest()[:12]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
