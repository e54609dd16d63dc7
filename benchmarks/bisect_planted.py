"""Wall time of a bisect over 16 commits with a 1 ms Detector slowdown planted in one.

    python benchmarks/bisect_planted.py [--planted 11] [-- EXTRA BISECT OPTIONS]

Clones this repository's HEAD into a temporary directory, adds 16 commits that only
touch a comment file, except the ``--planted`` one, which also makes the 4k pipelines'
Detector 1 ms slower in ``scenarios/catalog.py`` (no environment variable: a code
change, as a real regression is). Then runs, with an empty cache,

    perf-waterfall bisect HEAD~16 HEAD -s 4k_raw --repo CLONE --cache TMP

and prints its wall time, the machine's load before and after, and whether it named
the planted commit. Everything is removed at the end.
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
COMMITS = 16
BEFORE = '(Filter("VideoIn", 0), Filter("Detector", 20), Filter("Sink", 0))'
AFTER = '(Filter("VideoIn", 0), Filter("Detector", 21), Filter("Sink", 0))'
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def plant(clone: Path, planted: int) -> str:
    """16 commits on top of HEAD; the sha of the planted one."""
    catalog = clone / "scenarios" / "catalog.py"
    if BEFORE not in catalog.read_text():
        sys.exit("scenarios/catalog.py no longer has the 4k Detector this benchmark edits")
    sha = ""
    for i in range(1, COMMITS + 1):
        with open(clone / "bisect-demo.txt", "a") as f:
            f.write(f"# demo commit {i}\n")
        subject = f"demo commit {i}"
        if i == planted:
            catalog.write_text(catalog.read_text().replace(BEFORE, AFTER))
            subject += ": Detector 1 ms slower"
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", subject)
        if i == planted:
            sha = git(clone, "rev-parse", "--short", "HEAD")
    return sha


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--planted", type=int, default=11, help="which of the 16 commits")
    parser.add_argument("extra", nargs="*", help="more bisect options, after --")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pw-bisect-bench-"))
    try:
        clone = tmp / "clone"
        git(tmp, "clone", "-q", str(ROOT), str(clone))
        planted = plant(clone, args.planted)
        exe = Path(sys.executable).with_name("perf-waterfall")
        argv = [str(exe), "bisect", "HEAD~16", "HEAD", "-s", "4k_raw", "--repo", str(clone)]
        argv += ["--cache", str(tmp / "cache"), *args.extra]
        load_before = os.getloadavg()
        started = time.monotonic()
        done = subprocess.run(
            argv, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"}
        )
        wall = time.monotonic() - started
        load_after = os.getloadavg()
        print(done.stdout, end="")
        found = next((ln for ln in done.stdout.splitlines() if ln.startswith("First commit")), "")
        print(f"command: {' '.join(argv)}")
        print(
            f"exit {done.returncode}; wall time {wall:.0f} s; planted {planted}: "
            f"{'named' if planted in found else 'NOT named'}"
        )
        print(
            f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
            f"on {os.cpu_count()} CPUs"
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
        return done.returncode
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
