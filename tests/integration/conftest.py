"""A repository with its own harness (bench.py) reporting known stage times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.gitrepo import build_repo

BENCH = r"""
import json, os, random, sys, time
args = sys.argv[1:]
timings = json.load(open("timings.json"))
if args[0] == "list":
    print(json.dumps([{"name": n, "label": n.upper()} for n in timings]))
    sys.exit(0)
opts = dict(zip(args[1::2], args[2::2]))
name = opts["--scenario"]
if name == os.environ.get("BENCH_FAIL"):
    print("bench: simulated failure", file=sys.stderr)
    sys.exit(3)
if os.environ.get("BENCH_STARTED"):
    with open(os.environ["BENCH_STARTED"], "a") as started:
        started.write(f"{os.getpid()}\n")
time.sleep(float(os.environ.get("BENCH_SLEEP", "0")))
stages = timings[name]
rng = random.Random()
rows = [[max(0.0, ms * (1 + rng.uniform(-0.002, 0.002))) for _, _, ms in stages]
        for _ in range(int(opts["--frames"]))]
doc = {"schema": "perf-waterfall/results@1",
       "scenario": {"name": name, "label": name.upper(), "params": {}},
       "stages": [{"name": n, "kind": k} for n, k, _ in stages],
       "samples_ms": rows, "meta": {"sha": os.environ["PERF_WATERFALL_SHA"]}}
json.dump(doc, open(opts["--output"], "w"))
"""
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
            ("write", "bench.py", BENCH),
            ("write", "pyproject.toml", PYPROJECT),
            ("write", "timings.json", timings(20.0)),
            ("commit", "baseline"),
            ("branch", "base"),
            ("write", "timings.json", timings(22.0)),
            ("commit", "Detector takes 2 ms more"),
        ],
    )
