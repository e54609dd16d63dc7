"""Any finite measurement renders: zero frame times, changes from zero, and enormous values."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from perfwaterfall.analysis.build import build_report, build_sweep
from perfwaterfall.export.json_export import sweep_to_json, to_json
from perfwaterfall.export.markdown import sweep_to_markdown, to_markdown
from perfwaterfall.render.sweep import print_sweep
from perfwaterfall.render.terminal import plain_text, print_report
from perfwaterfall.store.bundle import BundleSide
from tests.unit.builders import bundle, ref, rounds

ZERO = [0.0] * 5
# Stage times (VideoIn, hop 1, Detector, hop 2, Sink) of one pipeline, base and head.
CASES = {
    "all zero": (ZERO, ZERO),
    "from zero": (ZERO, [1.0] * 5),  # head / base is infinite: 'new'
    "to zero": ([1.0] * 5, ZERO),
    # a percent of 1e308: width * 8 * percent overflowed the gain bar
    "enormous change": ([1e-5, 0, 0, 0, 0], [1e301, 0, 0, 0, 0]),
    "enormous values": ([1e300] * 5, [2e300] * 5),
}


def _bundle(base_ms, head_ms):
    """The case's pipeline, beside the ordinary 480p one the ladder has."""
    small = [0.01, 0.3, 8.1, 0.3, 3.1]
    kw: dict = dict(name="480p_raw", label="480p", jitter=0.01)
    return bundle(
        {"odd": rounds(base_ms, jitter=0.0, name="odd"), "480p_raw": rounds(small, seed=3, **kw)},
        {"odd": rounds(head_ms, jitter=0.0, name="odd"), "480p_raw": rounds(small, seed=4, **kw)},
    )


@pytest.mark.parametrize("case", CASES)
def test_a_comparison_renders_in_every_format(case):
    report = build_report(_bundle(*CASES[case]), threshold_pct=2.0, waterfall="odd")
    for width in (140, 80):  # the full table and the stacked one
        text = plain_text(lambda console: print_report(console, report), width)
        assert "Per pipeline" in text and "Frame waterfall · odd" in text
    assert "| **odd**" in to_markdown(report)
    assert json.loads(to_json(report))["scenarios"][0]["name"] == "odd"


@pytest.mark.parametrize("case", CASES)
def test_a_sweep_renders_in_every_format(case):
    plain = _bundle(*CASES[case])
    sides = tuple(
        BundleSide(f"v{i}", ref("HEAD", "d4e5f6a", "s"), {"K": str(i)}, side.rounds)
        for i, side in enumerate(plain.sides)
    )
    sweep = build_sweep(replace(plain, sides=sides), key="K", threshold_pct=2.0)
    assert "sweep of K" in plain_text(lambda console: print_sweep(console, sweep), 120)
    assert "**odd**" in sweep_to_markdown(sweep)
    assert json.loads(sweep_to_json(sweep))["key"] == "K"


def test_a_change_from_zero_is_new_with_a_full_bar():
    report = build_report(_bundle(*CASES["from zero"]), threshold_pct=2.0)
    sc = report.comparison.get("odd")
    assert sc is not None and math.isinf(sc.frame.percent)
    text = plain_text(lambda console: print_report(console, report), 140)
    row = next(line for line in text.splitlines() if "█" in line and "odd" in line)
    assert "█" * 16 in row
    assert "new" in text
    assert "| **odd**<br>4K native, 2 filters, raw | 0.000 → 5.00 (**new**) |" in to_markdown(
        report
    )


def test_all_zero_frames_are_no_change():
    report = build_report(_bundle(*CASES["all zero"]), threshold_pct=2.0)
    row = next(line for line in to_markdown(report).splitlines() if "| **odd**" in line)
    assert row == (
        "| **odd**<br>4K native, 2 filters, raw | 0.000 → 0.000 (\\~ 0.0%) "
        "| 0.000 → 0.000 (\\~ 0.0%) | 0.000 → 0.000 | 0.0 → 0.0 | \\~ same |"
    )
