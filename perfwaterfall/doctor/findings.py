"""One finding of the doctor: a heading, what was seen, a status and what to do about it.

Every check returns a finding whatever the machine exposes: a knob that is not
there is ``unknown``, never an exception, so the report always has every heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from perfwaterfall.protocol.sanitize import shown

Status = Literal["ok", "warn", "info"]
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    key: str  # stable, for scripts: ``jq .checks.aslr.status``
    heading: str
    status: Status
    value: str  # one line, what was seen
    advice: str  # one line, what it means or what to do
    data: dict[str, Any] = field(default_factory=dict)  # the raw values, JSON-ready

    def to_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "status": self.status,
            "value": self.value,
            "advice": self.advice,
            "data": self.data,
        }


def unknown(key: str, heading: str, why: str) -> Finding:
    """The finding for a knob this machine does not expose."""
    return Finding(key, heading, "info", UNKNOWN, why)


def read_value(path: str | Path) -> str | None:
    """A one-line sysfs or procfs file, stripped and escaped; None if absent or unreadable."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return None
    return shown(text.strip())


def read_int(path: str | Path) -> int | None:
    text = read_value(path)
    try:
        return None if text is None else int(text)
    except ValueError:
        return None
