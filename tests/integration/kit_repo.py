"""A throw-away repository whose harness is written with perfwaterfall.kit (shared by tests)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.gitrepo import build_repo

# 20 lines: what the kit section of docs/harness-protocol.md promises ("under 30").
KIT_HARNESS = '''\
"""A harness written with perfwaterfall.kit; KIT_SLOW_MS slows the Detector."""

import os
import time

from perfwaterfall.kit import Recorder, Scenario, main


def pipeline(rec: Recorder) -> None:
    extra_ms = float(os.environ.get("KIT_SLOW_MS", "0"))
    for _ in rec.frames():
        with rec.stage("Decode"):
            time.sleep(0.001)
        with rec.hop():
            sum(range(1000))
        with rec.stage("Detector"):
            time.sleep((2 + extra_ms) / 1000)


if __name__ == "__main__":
    main([Scenario("pipe", pipeline, label="decode, one hop, detect")])
'''
PYPROJECT = """[project]
name = "kitdemo"

[tool.perf-waterfall]
harness = ["{python}", "bench.py"]
"""


def kit_repo(path: Path) -> Path:
    """Two commits (branch ``base`` on the first), bench.py and its table in both."""
    return build_repo(
        path,
        [
            ("write", "bench.py", KIT_HARNESS),
            ("write", "pyproject.toml", PYPROJECT),
            ("commit", "a harness written with the kit"),
            ("branch", "base"),
            ("write", "NOTES", "a second commit\n"),
            ("commit", "second"),
        ],
    )
