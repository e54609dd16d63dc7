"""A repository with its own harness (bench.py) reporting known stage times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.gitrepo import Op, build_repo

HELPERS = Path(__file__).parents[1] / "helpers"

# The harness is a real file (tests/helpers/bench_harness.py); it imports the
# document and the seeded jitter it shares with the fake harness from fake_results.py.
BENCH_FILES: list[Op] = [
    ("write", "bench.py", (HELPERS / "bench_harness.py").read_text()),
    ("write", "fake_results.py", (HELPERS / "fake_results.py").read_text()),
]
PYPROJECT = '[tool.perf-waterfall]\nharness = ["{python}", "bench.py"]\n'


def timings(detector_ms: float) -> str:
    stages = [
        ["VideoIn", "filter", 0.2],
        ["hop 1", "ipc", 6.5],
        ["Detector", "filter", detector_ms],
        ["hop 2", "ipc", 6.5],
        ["Sink", "filter", 0.1],
    ]
    return json.dumps({"pipe": stages, "other": [["Work", "filter", 5.0], ["hop", "ipc", 1.0]]})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: Detector 20 ms; slower: Detector 22 ms (a 2 ms slowdown of one stage)."""
    return build_repo(
        tmp_path / "work tree ü",
        [
            *BENCH_FILES,
            ("write", "pyproject.toml", PYPROJECT),
            ("write", "timings.json", timings(20.0)),
            ("commit", "baseline"),
            ("branch", "base"),
            ("write", "timings.json", timings(22.0)),
            ("commit", "Detector takes 2 ms more"),
        ],
    )
