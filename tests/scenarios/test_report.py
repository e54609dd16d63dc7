"""The derived figures follow harness-protocol.md; ``report`` prints them for people."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.report import summarize
from tests.scenarios.conftest import harness

DOC = {
    "scenario": {"name": "x", "label": "X"},
    "stages": [
        {"name": "A", "kind": "filter"},
        {"name": "hop 1", "kind": "ipc"},
        {"name": "B", "kind": "filter"},
        {"name": "hop 2", "kind": "ipc"},
        {"name": "C", "kind": "filter"},
    ],
    "samples_ms": [[0, 2, 10, 4, 0], [0, 1, 10, 1, 0], [0, 3, 30, 3, 0]],
    "meta": {"transport": "copy"},
}


def test_summary_uses_medians_of_the_derived_figures() -> None:
    s = summarize(DOC)
    assert s.frame_ms == 16  # row sums 16, 12, 36
    assert s.ipc_ms == 6  # ipc sums 6, 2, 6
    assert s.per_hop_ms == 3
    assert s.max_fps == 1000 / 16
    assert (s.transport, s.frames) == ("copy", 3)


@pytest.mark.slow
def test_report_prints_a_table(run_tmp: Path) -> None:
    proc = harness(run_tmp, "report", "-s", "480p_raw", "--frames", "2", "--warmup", "1")
    assert proc.returncode == 0, proc.stderr
    assert "480p_raw" in proc.stdout and "Per hop" in proc.stdout
