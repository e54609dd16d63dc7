"""The table of ``run``: one measured side on its own, nothing to compare it with."""

from __future__ import annotations

import statistics

from perfwaterfall.analysis.comparison import fps, summarize_round
from perfwaterfall.present import numbers
from perfwaterfall.present.tables import (
    FRAME,
    IPC,
    MAX_FPS,
    PER_HOP,
    PIPELINE,
    Cell,
    Name,
    Table,
    Value,
    without_pipeline_columns,
)
from perfwaterfall.store.bundle import Bundle


def side(bundle: Bundle) -> Table:
    """One measured side on its own (``run``): medians across rounds, no comparison."""
    measured = bundle.sides[0]
    rows: list[tuple[Cell, ...]] = []
    for name, rounds in measured.rounds.items():
        summaries = [summarize_round(r) for r in rounds]
        frame = statistics.median(s.frame_ms for s in summaries)
        ipc = statistics.median(s.ipc_ms for s in summaries)
        hops = len(rounds[-1].ipc_indices)
        rows.append(
            (
                Name(name),
                Value(numbers.ms(frame)),
                Value(numbers.ms(ipc)),
                Value(numbers.ms(ipc / hops if hops else None)),
                Value(numbers.fps(fps(frame))),
            )
        )
    ref = measured.ref
    table = Table(
        title=" ".join(filter(None, (ref.name, ref.shown_sha)))
        + f" · {bundle.frames} frames × {bundle.planned_rounds} rounds",
        columns=(PIPELINE, FRAME, IPC, PER_HOP, MAX_FPS),
        rows=tuple(rows),
    )
    hops = any(r[-1].ipc_indices for r in measured.rounds.values() if r)
    return table if hops else without_pipeline_columns(table)
