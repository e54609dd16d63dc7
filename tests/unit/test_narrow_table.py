"""At 80 columns the compare table shortens its headers and wraps words, never a number."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from perfwaterfall.analysis.build import build_report
from perfwaterfall.present import pipeline_summary, tables
from perfwaterfall.store import bundle as bundles
from tests.helpers.cli import run_cli_process

FIXTURES = Path(__file__).parents[1] / "fixtures"


def numbers_in_cells(name: str) -> set[str]:
    """Every number the summary table holds, as its cells spell it ('→ 33.4' gives 33.4)."""
    report = build_report(bundles.load(FIXTURES / f"{name}.bundle.json"), threshold_pct=2.0)
    found = set()
    for row in pipeline_summary.summary(report.comparison).rows:
        for cell in row:
            if isinstance(cell, tables.Value):
                texts = (cell.before, cell.after or "", cell.mark)
            elif isinstance(cell, tables.Gain):
                texts = (cell.interval, cell.detectable)
            else:
                continue
            found |= {m for t in texts for m in re.findall(r"[-+±≥]?\d+(?:\.\d+)?%?", t)}
    return found


@pytest.mark.parametrize("name", ["ladder", "hostile"])
@pytest.mark.parametrize("columns", [80, 72])
def test_no_number_is_cut_at_a_narrow_terminal(name: str, columns: int) -> None:
    env = {**os.environ, "COLUMNS": str(columns)}
    done = run_cli_process(["show", FIXTURES / f"{name}.bundle.json", "--no-color"], env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if "Per pipeline" in ln)
    end = next(i for i, ln in enumerate(lines) if i > start and ln.startswith("╭"))
    table = "\n".join(lines[start:end])
    assert all(len(ln) <= columns for ln in lines[start:end]), table
    tokens = set(table.split())
    expected = numbers_in_cells(name)
    assert expected and expected <= tokens, (sorted(expected - tokens), table)
    assert not re.search(r"\d…|…\d", table), table  # an ellipsis never stands for digits
    assert re.search(r"\bFrame\b", table) and "Frame ti" not in table  # shortened, not cut
