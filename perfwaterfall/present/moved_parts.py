"""The parts of stages that moved: where inside a stage its time went or came from."""

from __future__ import annotations

from perfwaterfall.analysis.comparison import Comparison, StageChange
from perfwaterfall.present import numbers
from perfwaterfall.present.change_cells import change_value
from perfwaterfall.present.tables import PIPELINE, Cell, Column, Mark, Name, Table, Value


def moved_parts(comparison: Comparison) -> Table | None:
    """Every sub-stage, of every pipeline, that got faster or slower or exists on one side
    only; None when none did (a comparison without parts gains nothing)."""
    rows: list[tuple[Cell, ...]] = []
    for sc in comparison.scenarios:
        for part in sc.substages:
            if part.change is not None and not part.change.significant:
                continue
            rows.append(
                (
                    Name(sc.name),
                    Value(" › ".join(part.path)),
                    change_value(part.base_ms, part.head_ms, part.change),
                    Mark(
                        _said_with(
                            numbers.change_text(part.change) if part.change else _one_side(part),
                            comparison.caveat,
                        ),
                        numbers.verdict(part.change),
                    ),
                )
            )
    if not rows:
        return None
    return Table(
        title="Parts of stages that moved",
        columns=(
            PIPELINE,
            Column("Part", "left"),
            Column("Time", unit="ms", repeats=True),
            Column("Change", "left"),
        ),
        rows=tuple(rows),
    )


def _said_with(text: str, caveat: str) -> str:
    """A change's text with the comparison's caveat beside it, when it has one."""
    return f"{text} · {caveat}" if caveat else text


def _one_side(part: StageChange) -> str:
    return "new part" if part.base_ms is None else "gone"
