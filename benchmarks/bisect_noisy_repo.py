"""A real bisect in a 12-commit repository whose harness has 5% round-to-round noise.

    .venv/bin/python benchmarks/bisect_noisy_repo.py [--runs 2] [--seed 1] [--noise 5]
        [--broken 5] [-- EXTRA BISECT OPTIONS]

Builds, in a temporary directory, the repository of tests/integration/history_repo.py:
12 commits whose harness (tests/helpers/bench_harness.py) reports known stage times,
the Detector 20 ms up to commit 6 and 23 ms (+15%) from commit 7 on, every stage of a
round scaled by one log-normal factor of sd ``--noise`` percent (seeded per commit and
round from ``--seed`` and the run's number), and commit ``--broken`` unreadable, so its
harness fails. Then, per run, with an empty cache,

    perf-waterfall bisect COMMIT0 COMMIT11 --repo REPO --cache EMPTY --frames 5 --warmup 0

and prints what it named, its probes, its wall time and the machine's load. The issue's
bar: commit 7 named in 2 of 2 runs, past the broken commit. Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.history_repo import history_repo  # noqa: E402

CULPRIT = 7
DETECTOR_MS = [20.0] * CULPRIT + [23.0] * (12 - CULPRIT)


def bisect_once(repo: Path, shas: list[str], work: Path, seed: str, noise: float, extra: list[str]):
    """One bisect with an empty cache; (completed process, wall seconds)."""
    exe = Path(sys.executable).with_name("perf-waterfall")
    argv = [str(exe), "bisect", shas[0], shas[-1], "--repo", str(repo)]
    argv += ["--cache", str(work / "cache"), "--frames", "5", "--warmup", "0", *extra]
    env = {
        **os.environ,
        "COLUMNS": "200",
        "FAKE_SEED": seed,
        "FAKE_SEED_COUNTS": str(work / "draws"),
        "BENCH_ROUND_NOISE": f"{noise:g}",
    }
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    return done, time.monotonic() - started, argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="run k draws from seed + k")
    parser.add_argument("--noise", type=float, default=5.0, help="round-to-round sd, percent")
    parser.add_argument("--broken", type=int, default=5, help="the commit whose harness fails")
    parser.add_argument("extra", nargs="*", help="more bisect options, after --")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pw-bisect-noisy-"))
    named = 0
    try:
        repo, shas = history_repo(tmp / "repo", DETECTOR_MS, broken=[args.broken])
        culprit = shas[CULPRIT][:7]
        for run in range(args.runs):
            work = tmp / f"run{run}"
            work.mkdir()
            load = os.getloadavg()[0]
            seed = str(args.seed + run)
            done, wall, argv = bisect_once(repo, shas, work, seed, args.noise, args.extra)
            lines = done.stdout.splitlines()
            found = next((ln for ln in lines if ln.startswith("First commit")), "")
            said = ("following", "no regression", "probe ", "The regression lies", "  ")
            probes = [ln for ln in lines if ln.startswith(said) and "First commit" not in ln]
            hit = culprit in found
            named += hit
            print(
                f"run {run + 1}, seed {seed}: exit {done.returncode}, {wall:.0f} s, load "
                f"{load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            print("\n".join(f"  {ln}" for ln in probes))
            print(
                f"  {found or 'no single commit named'}: commit {CULPRIT} "
                f"{'named' if hit else 'NOT named'}"
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
        print(f"command: {' '.join(argv)}")
        print(
            f"commit {CULPRIT} ({culprit}) named in {named} of {args.runs} runs; "
            f"{args.noise:g}% round noise, commit {args.broken} broken"
        )
        return 0 if named == args.runs else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
