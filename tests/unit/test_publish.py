"""The dashboard's parts without a store: change points per line (stable against one wild
commit, recomputed as commits are added), intervals, and pages that escape what commits say."""

from __future__ import annotations

import random
import re

import pytest
from scipy import stats

from perfwaterfall.publish.chart import draw
from perfwaterfall.publish.history import Line, PipelineHistory, interval
from perfwaterfall.publish.marks import marks_of
from perfwaterfall.publish.page import MarkRow, index_page, pipeline_page
from perfwaterfall.results.rows import StoredCommit
from tests.unit.test_results_store import setup


def history(detector: list[float], seed: int = 0, subject: str = "change") -> PipelineHistory:
    """Rounds at 1% noise around each commit's level; Sink flat."""
    rng = random.Random(seed)

    def rounds(level: float) -> tuple[float, ...]:
        return tuple(level * rng.lognormvariate(0, 0.01) for _ in range(3))

    lines = (
        Line("frame", 0, tuple(rounds(d + 5) for d in detector)),
        Line("Detector", 1, tuple(rounds(d) for d in detector)),
        Line("Sink", 1, tuple(rounds(5.0) for _ in detector)),
    )
    commits = tuple(
        StoredCommit(f"{i:040x}", f"{i:07x}", "2026-12-02", f"{subject} {i}")
        for i in range(len(detector))
    )
    return PipelineHistory(setup(), "pipe", commits, lines)


def test_a_planted_step_is_marked_at_its_commit_on_its_lines_only():
    found = marks_of(history([20.0] * 12 + [23.0] * 12))
    assert {(m.line, m.index) for m in found} == {("frame", 12), ("Detector", 12)}
    detector = next(m for m in found if m.line == "Detector")
    assert detector.low_pct < 15 < detector.high_pct
    assert detector.step_pct == pytest.approx(15, abs=1)


def test_one_wild_commit_makes_no_mark_and_added_commits_keep_the_step():
    wild = [20.0] * 12 + [23.0] * 12
    wild[5] = 26.0  # one commit 30% off, back to normal after
    assert {(m.line, m.index) for m in marks_of(history(wild))} == {
        ("frame", 12),
        ("Detector", 12),
    }
    longer = marks_of(history([20.0] * 12 + [23.0] * 20))
    assert {(m.line, m.index) for m in longer} == {("frame", 12), ("Detector", 12)}


def test_a_commits_interval_is_the_t_interval_of_its_rounds():
    values = [20.1, 19.7, 20.6, 20.2]
    centre, low, high = interval(values)
    expected = stats.t.interval(0.95, 3, loc=centre, scale=stats.sem(values))
    assert (low, high) == pytest.approx(expected)
    assert interval([7.0]) == (7.0, 7.0, 7.0)


def test_pages_escape_what_commit_subjects_say():
    hostile = '<script>alert(1)</script> & "quotes"'
    h = history([20.0] * 8 + [23.0] * 8, subject=hostile)
    found = marks_of(h)
    links = {m.index: f"waterfalls/{m.index}.html" for m in found}
    charts = []
    for i, line in enumerate(h.lines):
        chart = draw(f"c{i}", line, h.commits, [m for m in found if m.line == line.name], links)
        charts.append((chart.svg, chart.points))
    rows = [MarkRow(h, m, links[m.index]) for m in found]
    for page in (pipeline_page(h, charts, rows), index_page([h], rows)):
        assert "<script>alert" not in page
        assert len(re.findall(r"<script[ >]", page)) == 2  # the data and the page's own
        assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in page
