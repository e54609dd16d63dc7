"""Writing the dashboard: read the store, find the change points, draw the pages and the
waterfall of every change point. Pages are written atomically, one at a time; a page of
an earlier publish that this one does not write again is left where it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfwaterfall.publish.chart import Point, draw
from perfwaterfall.publish.history import PipelineHistory, read_histories
from perfwaterfall.publish.marks import marks_of
from perfwaterfall.publish.page import MarkRow, index_page, pipeline_page
from perfwaterfall.publish.waterfalls import write_waterfall
from perfwaterfall.results.store import ResultsStore
from perfwaterfall.store.atomic import write_atomically

WATERFALLS = "waterfalls"


@dataclass(frozen=True)
class Published:
    pages: int
    pipelines: int
    commits: int
    change_points: int


def publish(store: ResultsStore, directory: Path, order: Sequence[str] | None) -> Published:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / WATERFALLS).mkdir(exist_ok=True)
    histories = read_histories(store, order)
    all_rows: list[MarkRow] = []
    written = 0
    for history in histories:
        rows = _pipeline(store, history, directory)
        all_rows += rows
        written += 1 + len({r.waterfall for r in rows})
    write_atomically(directory / "index.html", index_page(histories, all_rows))
    commits = {c.sha for h in histories for c in h.commits}
    return Published(written + 1, len(histories), len(commits), len(all_rows))


def _pipeline(store: ResultsStore, history: PipelineHistory, directory: Path) -> list[MarkRow]:
    marks = marks_of(history)
    links: dict[int, str] = {}
    for mark in marks:
        if mark.index in links:
            continue
        after = history.commits[mark.index]
        name = f"{WATERFALLS}/{history.slug}-{after.short}.html"
        before = history.commits[mark.previous]
        write_waterfall(store, history.setup, history.scenario, before, after, directory / name)
        links[mark.index] = name
    charts: list[tuple[str, list[Point]]] = []
    for i, line in enumerate(history.lines):
        mine = [m for m in marks if m.line == line.name]
        chart = draw(f"c{i}", line, history.commits, mine, links)
        charts.append((chart.svg, chart.points))
    rows = [MarkRow(history, m, links[m.index]) for m in marks]
    page = pipeline_page(history, charts, rows)
    write_atomically(directory / f"{history.slug}.html", page)
    return rows
