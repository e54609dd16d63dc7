"""The machine a measurement ran on, for the header and for bundles."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MachineInfo:
    cpu: str
    cores: int
    python: str
    numpy: str
    pyzmq: str
    system: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def one_line(self) -> str:
        return (
            f"{self.cpu} · {self.cores} cores · Python {self.python} · "
            f"numpy {self.numpy} · pyzmq {self.pyzmq}"
        )


def describe_machine() -> MachineInfo:
    """Versions are read from package metadata: importing numpy just to ask is slow."""
    return MachineInfo(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        python=platform.python_version(),
        numpy=_version("numpy"),
        pyzmq=_version("pyzmq"),
        system=f"{platform.system()} {platform.release()}",
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
