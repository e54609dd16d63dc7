"""The log's per-pipeline table once as data: one row per commit, a sparkline per column.

Terminal (render/log.py) and markdown (export/log_markdown.py) draw this same table.
A cell is marked only when its step against the previous point is slower or faster.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.history.series import LogPoint, LogSeries
from perfwaterfall.present.numbers import ms, one_line, percent
from perfwaterfall.present.sparkline import sparkline

MARKS = {Verdict.SLOWER: "▲", Verdict.FASTER: "▼"}
FRAME_COLUMN = "frame"


@dataclass(frozen=True)
class LogCell:
    text: str
    verdict: Verdict | None = None  # slower or faster against the previous point, else None


@dataclass(frozen=True)
class LogRow:
    short: str
    subject: str
    cells: tuple[LogCell, ...]
    failure: str | None = None


@dataclass(frozen=True)
class LogTable:
    title: str
    columns: tuple[str, ...]  # FRAME_COLUMN, then the stages in frame order
    rows: tuple[LogRow, ...]
    trend: tuple[str, ...]  # a sparkline per column, oldest to newest


def log_table(series: LogSeries, threshold_pct: float) -> LogTable:
    columns = (FRAME_COLUMN, *series.stages)
    rows = tuple(_row(point, series.stages) for point in series.points)
    trend = tuple(
        sparkline([_value(p, column) for p in series.points], least_span_pct=threshold_pct)
        for column in columns
    )
    title = series.scenario if not series.label else f"{series.scenario} · {one_line(series.label)}"
    return LogTable(title=title, columns=columns, rows=rows, trend=trend)


def _row(point: LogPoint, stages: tuple[str, ...]) -> LogRow:
    commit = point.commit
    if point.failure is not None:
        return LogRow(commit.short, one_line(commit.subject), (), one_line(point.failure))
    cells = [_cell(point.frame_ms, None if point.change is None else point.change.frame)]
    for name in stages:
        stage = None if point.change is None else point.change.stage(name)
        cells.append(_cell(_value(point, name), None if stage is None else stage.change))
    return LogRow(commit.short, one_line(commit.subject), tuple(cells))


def _cell(value: float | None, change: Change | None) -> LogCell:
    text = ms(value)
    if change is None or change.verdict not in MARKS:
        return LogCell(text)
    return LogCell(f"{text} {MARKS[change.verdict]} {percent(change.percent)}", change.verdict)


def _value(point: LogPoint, column: str) -> float | None:
    if column == FRAME_COLUMN:
        return point.frame_ms
    return None if point.stage_ms is None else point.stage_ms.get(column)
