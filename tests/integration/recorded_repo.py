"""A 30-commit repository with two planted steps in different stages, for the store.

Commit i writes ``stages.json`` (tests/helpers/history_harness.py reads it): the
Detector takes 15% more from commit DETECTOR_STEP on, and the ``send`` part of
``hop 2`` (so ``hop 2`` too) 1.8 ms more from commit SEND_STEP on.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.gitrepo import Op, build_repo, run_git

HELPERS = Path(__file__).parents[1] / "helpers"
COMMITS = 30
DETECTOR_STEP = 10
SEND_STEP = 20
PYPROJECT = '[tool.perf-waterfall]\nharness = ["{python}", "harness.py"]\n'
QUICK = ["--frames", "3", "--warmup", "0", "--rounds", "3"]


def stages(i: int) -> str:
    detector = 23.0 if i >= DETECTOR_STEP else 20.0
    send = 5.8 if i >= SEND_STEP else 4.0
    hop2 = 1.5 + send + 0.5
    pipe = {
        "stages": [
            ["VideoIn", "filter", 1.0],
            ["hop 1", "ipc", 6.0],
            ["Detector", "filter", detector],
            ["hop 2", "ipc", hop2],
            ["Sink", "filter", 0.5],
        ],
        "parts": [
            ["hop 2/serialize", "ipc", 1.5],
            ["hop 2/send", "ipc", send],
            ["hop 2/receive", "ipc", 0.5],
        ],
    }
    return json.dumps({"pipe": pipe})


def subject(i: int) -> str:
    """Subjects that say what the planted commits did."""
    return {
        DETECTOR_STEP: f"change {i}: the Detector does more work",
        SEND_STEP: f"change {i}: hop 2 sends a copy",
    }.get(i, f"change {i}")


def recorded_repo(path: Path, commits: int = COMMITS) -> tuple[Path, list[str]]:
    """The repository and its shas, oldest first."""
    ops: list[Op] = [
        ("write", "harness.py", (HELPERS / "history_harness.py").read_text()),
        ("write", "pyproject.toml", PYPROJECT),
    ]
    for i in range(commits):
        ops += [("write", "stages.json", stages(i)), ("commit", subject(i))]
    repo = build_repo(path, ops)
    return repo, run_git(repo, "rev-list", "--reverse", "HEAD").split()
