"""`log`'s change points per column, and how its table and JSON show them."""

from __future__ import annotations

import json
import random

from perfwaterfall.analysis.changepoint import ChangePoint, change_points
from perfwaterfall.analysis.comparison import RoundSummary, compare_scenario
from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.analysis.stats import Verdict
from perfwaterfall.export.log_json import log_to_json
from perfwaterfall.export.log_markdown import log_to_markdown
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.log_changes import ColumnChanges, column_changes
from perfwaterfall.history.series import LogPoint, LogReport, LogSeries
from perfwaterfall.present.log_table import log_table
from tests.unit.builders import MACHINE, PIPELINE, rounds

STAGES = tuple(s.name for s in PIPELINE)
BEFORE = [0.2, 6.5, 20.0, 6.5, 0.1]
AFTER = [0.2, 6.5, 22.0, 6.5, 0.1]


def summaries(seed: int, step_at: int, step: float) -> list[list[RoundSummary]]:
    """20 commits × 5 rounds, 3% noise per round; the Detector steps by ``step``."""
    rng = random.Random(f"log-changes/{seed}")
    out = []
    for i in range(20):
        points = []
        for _ in range(5):
            stage_ms = {
                n: ms * (1 + rng.gauss(0, 0.03)) for n, ms in zip(STAGES, BEFORE, strict=True)
            }
            stage_ms["Detector"] *= 1 + step if i >= step_at else 1
            points.append(RoundSummary(sum(stage_ms.values()), 13.0, stage_ms))
        out.append(points)
    return out


def test_columns_share_alpha_as_one_family_per_pipeline():
    # The frame time takes 80% of ALPHA (5%), as in a comparison; the five stages split
    # the other 20%.
    # Borderline steps (+3%) make a wrong share give another answer in some seeds.
    differs_at_alpha = 0
    for seed in range(60):
        data = summaries(seed, 10, 0.03)
        found = column_changes(data, STAGES)
        frame = [[r.frame_ms for r in p] for p in data]
        detector = [[r.stage_ms["Detector"] for r in p] for p in data]
        assert found.frame == tuple(change_points(frame, alpha=0.04))
        assert found.stages["Detector"] == tuple(change_points(detector, alpha=0.002))
        differs_at_alpha += found.stages["Detector"] != tuple(change_points(detector, alpha=0.05))
    assert differs_at_alpha > 0  # the shares are pinned by seeds where they matter


def test_failed_points_count_in_the_indices():
    data = summaries(1, 10, 0.10)
    data[3] = []
    found = column_changes(data, STAGES)
    assert [c.index for c in found.stages["Detector"]] == [10]
    assert found.at(10, "Detector") is not None and found.at(9, "Detector") is None
    assert all(not found.stages[name] for name in STAGES if name != "Detector")


def commit(i: int) -> Commit:
    return Commit(
        sha=f"{i:040x}", short=f"{i:07x}", date="2026-01-01T00:00:00+00:00", subject=f"c{i}"
    )


def report(changes: ColumnChanges) -> LogReport:
    """Three commits; the third is slower than the second by the paired test alone."""
    base, head = rounds(BEFORE, seed=1), rounds(AFTER, seed=2)
    step = compare_scenario(base, head, threshold_pct=2.0)
    assert step.stage("Detector").change.verdict.value == "slower"
    points = (
        LogPoint(commit(1), frame_ms=33.3, stage_ms=dict(zip(STAGES, BEFORE, strict=True))),
        LogPoint(commit(2), frame_ms=33.3, stage_ms=dict(zip(STAGES, BEFORE, strict=True))),
        LogPoint(
            commit(3), frame_ms=35.3, stage_ms=dict(zip(STAGES, AFTER, strict=True)), change=step
        ),
    )
    series = LogSeries("4k_raw", "4K", STAGES, points, changes)
    return LogReport("a..b", (series,), 2.0, 5, 0, RoundsPolicy.fixed(5), MACHINE)


def test_an_adjacent_step_alone_marks_nothing():
    (series,) = report(ColumnChanges()).series
    table = log_table(series, 2.0)
    assert all(
        cell.verdict is None and "▲" not in cell.text for r in table.rows for cell in r.cells
    )


def test_a_change_point_is_marked_at_its_row_with_its_size_and_interval():
    found = ChangePoint(index=2, before_ms=20.0, after_ms=22.0, low_pct=8.0, high_pct=12.5)
    changes = ColumnChanges(stages={"Detector": (found,)})
    (series,) = report(changes).series
    rows = log_table(series, 2.0).rows
    detector = 1 + STAGES.index("Detector")
    assert rows[2].cells[detector].one_line == "22.0 ▲ +10.0% (+8.0% … +12.5%)"
    assert [c.verdict for r in rows for c in r.cells if c.verdict] == [Verdict.SLOWER]
    md = log_to_markdown(report(changes))
    assert "| 22.0 ▲ +10.0% (+8.0% … +12.5%) |" in md
    doc = json.loads(log_to_json(report(changes)))
    assert doc["format"] == "perf-waterfall/log@1"
    (listed,) = doc["series"][0]["change_points"]["stages"]["Detector"]
    assert listed["index"] == 2 and listed["short"] == commit(3).short
    assert (listed["percent"], listed["low_pct"], listed["high_pct"]) == (10.0, 8.0, 12.5)
    assert doc["series"][0]["change_points"]["frame"] == []


def test_a_faster_step_is_marked_down():
    found = ChangePoint(index=2, before_ms=33.3, after_ms=30.0, low_pct=-12.0, high_pct=-8.0)
    (series,) = report(ColumnChanges(frame=(found,))).series
    cell = log_table(series, 2.0).rows[2].cells[0]
    assert cell.text.startswith("35.3 ▼ -9.9%") and cell.interval == "-12.0% … -8.0%"


def test_a_step_from_nothing_reads_new_and_is_null_in_json():
    inf = float("inf")
    found = ChangePoint(index=2, before_ms=0.0, after_ms=0.5, low_pct=inf, high_pct=inf)
    changes = ColumnChanges(stages={"Sink": (found,)})
    (series,) = report(changes).series
    assert "▲ new" in log_table(series, 2.0).rows[2].cells[-1].text
    (listed,) = json.loads(log_to_json(report(changes)))["series"][0]["change_points"]["stages"][
        "Sink"
    ]
    assert listed["percent"] is None and listed["low_pct"] is None
