"""The calibration table: how often verdicts were wrong, and what they could detect."""

from __future__ import annotations

import statistics

from rich import box
from rich.table import Table
from rich.text import Text

from perfwaterfall.calibrate.components import Components
from perfwaterfall.calibrate.tally import PipelineTally, Tally
from perfwaterfall.present import numbers


def calibration_tables(tally: Tally, stage: str | None, slowdown_ms: float) -> list[Table]:
    tables = [_aa_table(tally)]
    if tally.noise:
        tables.append(_noise_table(tally))
    if stage is not None and tally.injected:
        tables.append(_injected_table(tally, stage, slowdown_ms))
    return tables


def _table(title: str, caption: str) -> Table:
    return Table(
        box=box.SIMPLE_HEAD,
        border_style="pw.border",
        header_style="pw.heading",
        title=title,
        title_style="pw.title",
        caption=caption,
        caption_style="pw.dim",
        pad_edge=False,
    )


def _aa_table(tally: Tally) -> Table:
    marked, total = tally.aa_marking_anything, tally.aa_compares
    table = _table(
        f"A/A: the same ref on both sides, {total} compares",
        f"compares that called anything at all real: {marked} of {total}, a rate of at most "
        f"{tally.aa_upper_bound * 100:.0f}% (95% upper bound; the verdicts are built for 5%)",
    )
    for column in ("Pipeline", "Marked anything", "False verdicts", "Frame same"):
        table.add_column(column, justify="left" if column == "Pipeline" else "right")
    table.add_column("Detectable", justify="right")
    table.add_column("Rounds", justify="right")
    for name, entry in tally.aa.items():
        table.add_row(
            Text(numbers.one_line(name), style="pw.label"),
            _count(entry.marked_any, entry.compares, bad=True),
            f"{entry.false_quantities} of {entry.quantities}",
            _count(entry.same, entry.compares),
            _detectable(entry),
            _rounds(entry),
        )
    return table


def _noise_table(tally: Tally) -> Table:
    table = _table(
        "Noise of the frame time in the A/A compares (median sd over compares)",
        "more frames per round shrink only 'within'; 'between' is each round's process "
        "and the host; 'paired' is what pairing leaves, per side; 'frames/round' balances "
        "the two at a 0.6 s round start-up (Kalibera and Jones 2013)",
    )
    for column in ("Pipeline", "Frame to frame", "Round to round", "Within", "Between"):
        table.add_column(column, justify="left" if column == "Pipeline" else "right")
    table.add_column("Paired", justify="right")
    table.add_column("Frames/round", justify="right")
    for name, found in tally.noise.items():
        table.add_row(
            Text(numbers.one_line(name), style="pw.label"),
            *(
                _pct([getattr(c, key) for c in found])
                for key in ("frame_pct", "round_pct", "within_pct", "between_pct", "paired_pct")
            ),
            _frames(found),
        )
    return table


def _frames(found: list[Components]) -> str:
    best = [n for c in found if (n := c.best_frames()) is not None]
    ran = statistics.median(c.frames for c in found)
    return f"{statistics.median(best):g} (ran {ran:g})" if best else f"more (ran {ran:g})"


def _pct(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}%"


def _injected_table(tally: Tally, stage: str, slowdown_ms: float) -> Table:
    table = _table(
        f"Injected: {numbers.one_line(stage)} {slowdown_ms:g} ms slower on head, "
        f"{tally.injected_compares} compares",
        "the slowed stage and the frame should be slower; other stages should not move",
    )
    for column in ("Pipeline", f"{stage} slower", "Frame slower", "Other stage marked"):
        table.add_column(column, justify="left" if column == "Pipeline" else "right")
    table.add_column("Rounds", justify="right")
    for name, entry in tally.injected.items():
        table.add_row(
            Text(numbers.one_line(name), style="pw.label"),
            _count(entry.target_slower, entry.compares),
            _count(entry.frame_slower, entry.compares),
            _count(entry.marked_any, entry.compares, bad=True),
            _rounds(entry),
        )
    return table


def _count(hits: int, total: int, *, bad: bool = False) -> Text:
    style = ("pw.slower" if hits else "pw.faster") if bad else ""
    return Text(f"{hits} of {total}", style=style)


def _detectable(entry: PipelineTally) -> str:
    value = entry.median_detectable_pct
    return "-" if value is None else f"±{value:.1f}%"


def _rounds(entry: PipelineTally) -> str:
    value = entry.median_rounds
    return "-" if value is None else f"{value:g}"
