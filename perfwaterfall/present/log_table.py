"""The log's per-pipeline table once as data: one row per commit, a sparkline per column.

Terminal (render/log.py) and markdown (export/log_markdown.py) draw this same table.
A cell is marked where its column has a change point: ▲/▼, the step's size (between
the medians of the levels) and its interval. The step against the previous commit
alone marks nothing any more: at 5 pairs it sees only steps of about 20%, and where it
agrees with a change point, the change point's mark says it better (JSON keeps both).
"""

from __future__ import annotations

from dataclasses import dataclass

from perfwaterfall.analysis.changepoint import ChangePoint
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.history.series import LogPoint, LogSeries
from perfwaterfall.present.numbers import ms, one_line, percent
from perfwaterfall.present.sparkline import sparkline

MARKS = {Verdict.SLOWER: "▲", Verdict.FASTER: "▼"}
FRAME_COLUMN = "frame"


@dataclass(frozen=True)
class LogCell:
    text: str
    verdict: Verdict | None = None  # slower or faster: a change point starts here, else None
    interval: str = ""  # the change point's interval, '+3.1% … +6.9%'

    @property
    def one_line(self) -> str:
        """The value, the mark and the step, then its interval in brackets."""
        return f"{self.text} ({self.interval})" if self.interval else self.text


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
    rows = tuple(_row(i, point, series) for i, point in enumerate(series.points))
    trend = tuple(
        sparkline([_value(p, column) for p in series.points], least_span_pct=threshold_pct)
        for column in columns
    )
    title = series.scenario if not series.label else f"{series.scenario} · {one_line(series.label)}"
    return LogTable(title=title, columns=columns, rows=rows, trend=trend)


def _row(index: int, point: LogPoint, series: LogSeries) -> LogRow:
    commit = point.commit
    if point.failure is not None:
        return LogRow(commit.short, one_line(commit.subject), (), one_line(point.failure))
    cells = [_cell(point.frame_ms, series.changes.at(index))]
    for name in series.stages:
        cells.append(_cell(_value(point, name), series.changes.at(index, name)))
    return LogRow(commit.short, one_line(commit.subject), tuple(cells))


def _cell(value: float | None, found: ChangePoint | None) -> LogCell:
    text = ms(value)
    if found is None:
        return LogCell(text)
    verdict = Verdict.SLOWER if found.low_pct + found.high_pct > 0 else Verdict.FASTER
    low, high = percent(found.low_pct, exact=True), percent(found.high_pct, exact=True)
    return LogCell(f"{text} {MARKS[verdict]} {percent(found.percent)}", verdict, f"{low} … {high}")


def _value(point: LogPoint, column: str) -> float | None:
    if column == FRAME_COLUMN:
        return point.frame_ms
    return None if point.stage_ms is None else point.stage_ms.get(column)
