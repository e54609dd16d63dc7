"""Does `log` find a +5% step in one stage at its row, in a real run?

    python benchmarks/log_changepoint.py [--runs 1] [--seed 0] [-- EXTRA LOG OPTIONS]

Builds a real git repository of 21 commits (tests/integration/history_repo.py: its
harness, ``bench.py``, reports the stage times each commit carries), in which the
Detector takes 20 ms and, from the 11th logged commit on, 21 ms (+5%). Every round is
off by a seeded log-normal factor of ``--noise-pct`` (3%) on all stages
(``BENCH_NOISE_PCT``; ``FAKE_SEED`` and ``FAKE_SEED_COUNTS`` make the draws
repeatable). Then runs, with an empty cache,

    perf-waterfall log FIRST..LAST -s pipe --frames 3 --warmup 0 --rounds 5 --format json

over the 20 commits after the first, and prints per run the change points of the
Detector and of the frame time against the planted row, how many adjacent steps the
paired test alone calls slower, the wall time and the load. Then the terminal table of
the last run (from its cache). Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.history_repo import history_repo  # noqa: E402

COMMITS = 20
STEP_ROW = 10  # 0-based among the logged commits


def log(repo: Path, shas: list[str], cache: Path, env: dict[str, str], *extra: str) -> str:
    exe = Path(sys.executable).with_name("perf-waterfall")
    argv = [str(exe), "--no-color", "log", f"{shas[0]}..{shas[-1]}", "--repo", str(repo)]
    argv += ["--cache", str(cache), "-s", "pipe", "--frames", "3", "--warmup", "0", *extra]
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"log failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def one_run(tmp: Path, seed: int, noise_pct: float, step_pct: float, extra: list[str]) -> dict:
    detector = [20.0] * (1 + STEP_ROW) + [20.0 * (1 + step_pct / 100)] * (COMMITS - STEP_ROW)
    repo, shas = history_repo(tmp / f"repo-{seed}", detector)
    env = {
        **os.environ,
        "BENCH_NOISE_PCT": str(noise_pct),
        "FAKE_SEED": str(seed),
        "FAKE_SEED_COUNTS": str(tmp / f"draws-{seed}"),
        "COLUMNS": "150",
    }
    cache = tmp / f"cache-{seed}"
    load = os.getloadavg()[0]
    started = time.monotonic()
    doc = json.loads(log(repo, shas, cache, env, "--format", "json", *extra))
    wall = time.monotonic() - started
    (series,) = doc["series"]
    found = series["change_points"]
    adjacent = [
        i
        for i, p in enumerate(series["points"])
        if p["vs_previous"] and p["vs_previous"]["stages"]["Detector"]["verdict"] == "slower"
    ]
    return {
        "seed": seed,
        "detector": found["stages"]["Detector"],
        "frame": found["frame"],
        "others": {k: v for k, v in found["stages"].items() if k != "Detector" and v},
        "adjacent": adjacent,
        "wall": wall,
        "load": (load, os.getloadavg()[0]),
        "table": lambda: log(repo, shas, cache, env, *extra),
    }


def describe(points: list[dict[str, Any]]) -> str:
    if not points:
        return "none"
    return ", ".join(
        f"row {c['index']} {c['percent']:+.1f}% ({c['low_pct']:+.1f}% … {c['high_pct']:+.1f}%)"
        for c in points
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repositories, one seed each")
    parser.add_argument("--seed", type=int, default=0, help="the first run's seed")
    parser.add_argument("--noise-pct", type=float, default=3.0, help="per-round sd, %%")
    parser.add_argument("--step-pct", type=float, default=5.0, help="the Detector's step, %%")
    parser.add_argument("extra", nargs="*", help="more log options, after --")
    args = parser.parse_args()
    extra = args.extra or ["--rounds", "5"]
    tmp = Path(tempfile.mkdtemp(prefix="pw-log-bench-"))
    try:
        hits = 0
        last = None
        for seed in range(args.seed, args.seed + args.runs):
            run = one_run(tmp, seed, args.noise_pct, args.step_pct, extra)
            at_row = [c["index"] for c in run["detector"]] == [STEP_ROW]
            hits += at_row
            print(
                f"seed {seed}: Detector {describe(run['detector'])}"
                f" [{'at its row' if at_row else 'NOT at its row only'}];"
                f" frame {describe(run['frame'])}; other stages {run['others'] or 'none'};"
                f" adjacent steps called slower at rows {run['adjacent'] or 'none'};"
                f" wall {run['wall']:.0f} s; load {run['load'][0]:.1f} → {run['load'][1]:.1f}"
            )
            last = run
        print(
            f"planted: Detector +{args.step_pct:g}% at row {STEP_ROW} of {COMMITS}, "
            f"{args.noise_pct:g}% per-round noise, log options {' '.join(extra)}; "
            f"found at its row in {hits} of {args.runs} runs on {os.cpu_count()} CPUs"
        )
        if last is not None:
            print(last["table"]())
        return 0 if hits == args.runs else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
