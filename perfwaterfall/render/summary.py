"""The per-pipeline table: before and after, change, verdict, and a gain bar."""

from __future__ import annotations

import statistics

from rich import box
from rich.table import Table
from rich.text import Text

from perfwaterfall.analysis.comparison import Comparison, ScenarioComparison, fps, summarize_round
from perfwaterfall.analysis.stats import Change
from perfwaterfall.present import numbers
from perfwaterfall.render.spans import span
from perfwaterfall.store.bundle import Bundle

GAIN_BAR_WIDTH = 16
COMPACT_GAIN_BAR_WIDTH = 6
# The full table needs about 110 columns; narrower terminals get the stacked layout.
COMPACT_BELOW = 110
VERDICT_STYLE = {"faster": "pw.faster", "slower": "pw.slower", "noise": "pw.noise"}


def change_cell(before: str, after: str, change: Change | None, *, stacked: bool = False) -> Text:
    """'55.0 → 33.1' over a coloured '-39.8%' (or a grey '~ +0.4%'); stacked: one value a line."""
    text = Text(f"{before}\n→ {after}" if stacked else f"{before} → {after}", no_wrap=True)
    if change is not None:
        text.append("\n")
        text.append(_mark(change.percent, change), VERDICT_STYLE[numbers.verdict(change)])
    return text


def fps_cell(sc: ScenarioComparison, *, stacked: bool = False) -> Text:
    gain = (sc.head_fps / sc.base_fps - 1) * 100 if sc.base_fps else 0.0
    before, after = numbers.fps(sc.base_fps), numbers.fps(sc.head_fps)
    text = Text(f"{before}\n→ {after}" if stacked else f"{before} → {after}", no_wrap=True)
    text.append("\n")
    text.append(_mark(gain, sc.frame), VERDICT_STYLE[numbers.verdict(sc.frame)])
    return text


def _mark(pct: float, change: Change) -> str:
    mark = numbers.percent(pct)
    return mark if change.significant else f"{numbers.NOISE_MARK} {mark}"


def gain_bar(change: Change, largest_pct: float, width: int = GAIN_BAR_WIDTH) -> Text:
    """Bar length is |change| against the largest change in the table; colour is the verdict."""
    verdict = numbers.verdict(change)
    size = largest_pct if largest_pct > 0 else 1.0
    bar = span(0, abs(change.percent), size, width, VERDICT_STYLE[verdict])
    label = {"faster": "faster", "slower": "slower", "noise": "noise"}[verdict]
    bar.append(f" {label}", VERDICT_STYLE[verdict])
    return bar


def summary_table(comparison: Comparison, width: int = 120) -> Table:
    """Below COMPACT_BELOW columns, values stack (before, after, change) and labels go."""
    compact = width < COMPACT_BELOW
    table = Table(
        box=box.SIMPLE_HEAD,
        border_style="pw.border",
        header_style="pw.heading",
        title="Per pipeline (ms, medians of round medians)",
        title_style="pw.title",
        caption=_geomean_caption(comparison),
        caption_style="pw.dim",
        pad_edge=False,
    )
    table.add_column("Pipeline", style="pw.label", no_wrap=compact)
    table.add_column("Frame time", justify="right", no_wrap=True)
    table.add_column("IPC / frame", justify="right", no_wrap=True)
    table.add_column("Per hop", justify="right", no_wrap=True)
    table.add_column("Max fps", justify="right", no_wrap=True)
    table.add_column("Change" if compact else "Frame time change", no_wrap=True)
    largest = max((abs(s.frame.percent) for s in comparison.scenarios), default=0.0)
    # A floor of five thresholds keeps an A/A run's 1% wobble from drawing a full bar.
    largest = max(largest, 5 * comparison.threshold_pct)
    for sc in comparison.scenarios:
        name = Text(numbers.one_line(sc.name), style="pw.label")
        if sc.label and not compact:
            name.append(f"\n{numbers.one_line(sc.label)}", style="pw.dim")
        frame, ipc = sc.frame, sc.ipc
        table.add_row(
            name,
            change_cell(
                numbers.ms(frame.base.median), numbers.ms(frame.head.median), frame, stacked=compact
            ),
            change_cell(
                numbers.ms(ipc.base.median), numbers.ms(ipc.head.median), ipc, stacked=compact
            ),
            _per_hop_cell(sc, stacked=compact),
            fps_cell(sc, stacked=compact),
            gain_bar(frame, largest, COMPACT_GAIN_BAR_WIDTH if compact else GAIN_BAR_WIDTH),
        )
    return table


def _per_hop_cell(sc: ScenarioComparison, *, stacked: bool = False) -> Text:
    before, after = sc.per_hop("base"), sc.per_hop("head")
    same_hops = sc.base_hops == sc.head_hops
    return change_cell(
        numbers.ms(before), numbers.ms(after), sc.ipc if same_hops else None, stacked=stacked
    )


def _geomean_caption(comparison: Comparison) -> str:
    ratio = comparison.geomean_ratio
    if ratio is None or len(comparison.scenarios) < 2:
        return ""
    return (
        f"geomean frame time across {len(comparison.scenarios)} pipelines: "
        f"{ratio:.3f}x ({numbers.percent((ratio - 1) * 100)})"
    )


def side_table(bundle: Bundle) -> Table:
    """One measured side on its own (``run``): medians across rounds, no comparison."""
    side = bundle.sides[0]
    table = Table(
        box=box.SIMPLE_HEAD,
        border_style="pw.border",
        header_style="pw.heading",
        title=" ".join(filter(None, (side.ref.name, side.ref.shown_sha)))
        + f" · {bundle.frames} frames × {bundle.rounds} rounds",
        title_style="pw.title",
        pad_edge=False,
    )
    table.add_column("Pipeline", style="pw.label")
    for column in ("Frame time", "IPC / frame", "Per hop", "Max fps"):
        table.add_column(column, justify="right", no_wrap=True)
    for name, rounds in side.rounds.items():
        summaries = [summarize_round(r) for r in rounds]
        frame = statistics.median(s.frame_ms for s in summaries)
        ipc = statistics.median(s.ipc_ms for s in summaries)
        hops = len(rounds[-1].ipc_indices)
        table.add_row(
            name,
            numbers.ms(frame),
            numbers.ms(ipc),
            numbers.ms(ipc / hops if hops else None),
            numbers.fps(fps(frame)),
        )
    return table
