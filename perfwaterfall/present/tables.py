"""Each table once, as data: what every cell says, not how it looks.

The terminal (render/summary.py) and markdown (export/markdown.py) only turn these
rows into their markup, so a column is changed here, once. Cells carry text already
formatted by present/numbers.py and a verdict key; each renderer maps that key to
its style or markup in one place, so a new verdict is one more entry there. The
tables themselves are built in pipeline_summary.py, run_table.py, moved_parts.py
and sweep_by_value.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from perfwaterfall.analysis.comparison import Comparison

# The verdict of a sweep's first row, which the others are measured against.
BASELINE = "baseline"


@dataclass(frozen=True)
class Column:
    """A column's header and alignment, and the few ways its markup may differ."""

    header: str
    align: Literal["left", "right"] = "right"
    unit: str = ""  # markdown says it in the header; the terminal's title says it once
    narrow: str = ""  # the header on a narrow terminal, when it has a shorter one
    text_header: str = ""  # the header where no bar is drawn: the cell is then its verdict
    wrap: bool = False  # names may wrap on a wide terminal; numbers never do
    repeats: bool = False  # its change repeats another column's: markdown shows it once


@dataclass(frozen=True)
class Name:
    """A pipeline as the harness named it; each markup makes it one line its own way."""

    name: str
    label: str = ""


@dataclass(frozen=True)
class Value:
    """A value (after is None for one side), or before → after with the change's mark."""

    before: str
    after: str | None = None
    mark: str = ""  # '-39.3%', '~ +0.4%'; empty when no change applies
    verdict: str = ""


@dataclass(frozen=True)
class Mark:
    """A change on its own, as text ('-11.0 ms -63.1%', 'baseline')."""

    text: str
    verdict: str


@dataclass(frozen=True)
class Gain:
    """The frame time's verdict, and a bar of ``size`` on an axis of ``scale``.

    Both are finite and size <= scale, whatever the comparison held: a change from
    zero ('new') fills the bar. ``interval`` is the bound behind the verdict ('±0.8%',
    '-1.0% … +6.0%'), ``detectable`` the smallest change these rounds could detect.
    """

    verdict: str
    size: float
    scale: float
    interval: str = ""
    detectable: str = ""


Cell = Name | Value | Mark | Gain


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


FRAME = Column("Frame time", unit="ms")
IPC = Column("IPC / frame", unit="ms")
PER_HOP = Column("Per hop", unit="ms", repeats=True)
MAX_FPS = Column("Max fps", repeats=True)
PIPELINE = Column("Pipeline", "left", wrap=True)
GAIN = Column("Frame time change", "left", narrow="Change", text_header="Verdict")
IPC_VS_FIRST = Column("IPC vs first", "left")
PIPELINE_ONLY = (IPC, PER_HOP, MAX_FPS, IPC_VS_FIRST)


def has_hops(comparison: Comparison) -> bool:
    """Whether any pipeline has ``ipc`` stages: IPC, per hop and fps mean nothing without."""
    return any(sc.base_hops or sc.head_hops for sc in comparison.scenarios)


def without_pipeline_columns(table: Table) -> Table:
    """The table without its IPC, per-hop and fps columns (a harness that is no pipeline)."""
    keep = [i for i, c in enumerate(table.columns) if c not in PIPELINE_ONLY]
    return Table(
        title=table.title.replace("Per pipeline", "Per scenario"),
        columns=tuple(table.columns[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in table.rows),
        caption=table.caption.replace("pipelines", "scenarios"),
    )
