"""Store size, publish time and page weight for a long history, on synthetic rows.

    .venv/bin/python benchmarks/publish_history.py [--commits 1000] [--runs 3]

A store of COMMITS commits x 6 pipelines x 5 rounds, each round a results document
shaped like the scenarios' (5 stages, 4 parts per hop, 20 frames; 2% noise per round;
two planted steps), is written with the store's own ``add_rounds`` (one transaction per
commit and pipeline, as ``record`` writes). Then ``publish`` is run RUNS times into
fresh directories. Printed: store bytes per commit, write time per commit, publish
time (median and all), pages and their weight, change points found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.publish.site import publish
from perfwaterfall.results.rows import Setup, StoredCommit
from perfwaterfall.results.store import ResultsStore
from perfwaterfall.store.machine import describe_machine

PIPELINES = ["4k_raw", "4k_jpeg", "480p_raw", "1080p_raw", "4k_shm", "480p_shm"]
STAGES = [
    ("VideoIn", "filter", 1.0),
    ("hop 1", "ipc", 8.0),
    ("Detector", "filter", 20.0),
    ("hop 2", "ipc", 8.0),
    ("Sink", "filter", 0.5),
]
PARTS = [("serialize", 2.0), ("send", 5.0), ("receive", 0.9), ("view", 0.1)]
ROUNDS, FRAMES, NOISE = 5, 20, 0.02


def document(name: str, scale: dict[str, float], rng: random.Random) -> dict:
    factor = rng.lognormvariate(0, NOISE)
    rows, parts = [], []
    for _ in range(FRAMES):
        row = [ms * scale.get(s, 1.0) * factor * rng.uniform(0.98, 1.02) for s, _, ms in STAGES]
        rows.append([round(v, 6) for v in row])
        parts.append([round(row[i] * ms / 8.0, 6) for i in (1, 3) for _, ms in PARTS])
    return {
        "schema": "perf-waterfall/results@1",
        "scenario": {"name": name, "label": name},
        "stages": [{"name": s, "kind": k} for s, k, _ in STAGES],
        "samples_ms": rows,
        "substages": [
            {"name": p, "kind": "ipc", "parent": hop}
            for hop in ("hop 1", "hop 2")
            for p, _ in PARTS
        ],
        "substage_samples_ms": parts,
    }


def build(path: Path, commits: int) -> float:
    """The store; seconds spent writing it."""
    rng = random.Random(20261202)
    setup = Setup(("{python}", "-m", "scenarios"), None, FRAMES, 3, describe_machine())
    started = time.monotonic()
    with ResultsStore(path) as store:
        for i in range(commits):
            sha = f"{i:040x}"
            scale = {"Detector": 1.1 if i >= commits // 3 else 1.0}
            scale["hop 2"] = 1.2 if i >= 2 * commits // 3 else 1.0
            store.note_commits([StoredCommit(sha, sha[:7], "2026-12-02", f"commit {i}")])
            for name in PIPELINES:
                rounds = [parse_results(document(name, scale, rng)) for _ in range(ROUNDS)]
                store.add_rounds(setup, sha, f"session-{i}", "record", {name: rounds})
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.sqlite"
        wrote = build(path, args.commits)
        size = path.stat().st_size
        shape = f"{args.commits} commits x {len(PIPELINES)} pipelines x {ROUNDS} rounds"
        per_commit = f"{size / args.commits / 1e3:.1f} kB per commit"
        write = f"{wrote:.1f} s ({wrote / args.commits * 1e3:.0f} ms per commit)"
        print(f"store: {size / 1e6:.1f} MB for {shape}: {per_commit}; written in {write}")
        times = []
        for run in range(args.runs):
            site = Path(tmp) / f"site{run}"
            started = time.monotonic()
            with ResultsStore(path) as store:
                done = publish(store, site, None)
            times.append(time.monotonic() - started)
        pages = sorted(site.rglob("*.html"), key=lambda p: p.stat().st_size)
        weight = sum(p.stat().st_size for p in pages)
        each = ", ".join(f"{t:.2f}" for t in times)
        median = statistics.median(times)
        print(f"publish: median {median:.2f} s over {args.runs} runs ({each}); ", end="")
        print(f"{done.change_points} change points")
        index_kb = (site / "index.html").stat().st_size / 1e3
        largest = f"{pages[-1].name} {pages[-1].stat().st_size / 1e3:.0f} kB"
        print(f"pages: {len(pages)}, {weight / 1e6:.2f} MB in all; index.html {index_kb:.0f} kB; ")
        print(f"largest {largest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
