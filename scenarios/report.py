"""What a consumer derives from a results document, and a table of it for people.

The derivations follow docs/harness-protocol.md: frame time is a row's sum, IPC overhead
the sum of its ``ipc`` stages, per hop that over the number of hops, max fps
1000 / median frame time. Medians throughout: two cores make means noisy.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Summary:
    scenario: str
    label: str
    transport: str
    frames: int
    frame_ms: float
    ipc_ms: float
    per_hop_ms: float
    max_fps: float


def summarize(doc: dict[str, Any]) -> Summary:
    """Medians over the frames of one results document."""
    kinds = [s["kind"] for s in doc["stages"]]
    ipc = [i for i, k in enumerate(kinds) if k == "ipc"]
    rows: list[list[float]] = doc["samples_ms"]
    frame = statistics.median(sum(r) for r in rows)
    overhead = statistics.median(sum(r[i] for i in ipc) for r in rows)
    per_hop = statistics.median(sum(r[i] for i in ipc) / len(ipc) for r in rows) if ipc else 0.0
    return Summary(
        scenario=doc["scenario"]["name"],
        label=doc["scenario"].get("label", ""),
        transport=str(doc.get("meta", {}).get("transport", "")),
        frames=len(rows),
        frame_ms=frame,
        ipc_ms=overhead,
        per_hop_ms=per_hop,
        max_fps=1000.0 / frame if frame > 0 else float("inf"),
    )


def table(summaries: Iterable[Summary], title: str, first: str = "Scenario") -> Table:
    """One row per summary; ``first`` names what distinguishes the rows."""
    t = Table(title=title, title_justify="left")
    t.add_column(first)
    t.add_column("Frame time", justify="right")
    t.add_column("IPC / frame", justify="right")
    t.add_column("Per hop", justify="right")
    t.add_column("Max fps", justify="right")
    t.add_column("Frames", justify="right")
    for s in summaries:
        name = s.transport if first == "Transport" else s.scenario
        t.add_row(
            name,
            f"{s.frame_ms:.2f} ms",
            f"{s.ipc_ms:.3f} ms",
            f"{s.per_hop_ms:.3f} ms",
            f"{s.max_fps:.1f}",
            str(s.frames),
        )
    return t


def print_table(summaries: Iterable[Summary], title: str, first: str = "Scenario") -> None:
    Console().print(table(summaries, title, first))
