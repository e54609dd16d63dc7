"""The harness committed in the integration tests' repositories, as ``bench.py``.

It reports the stage times of ``timings.json`` at its own ref (its working directory
is the worktree being measured), with a little seeded jitter, so each commit has
known stage times and the verdicts are known. ``fake_results.py`` goes beside it
(tests/integration/conftest.py writes both). Steered by the environment:

BENCH_FAIL     a scenario that fails (exit 3, "bench: simulated failure")
BENCH_STARTED  append this process's pid to that file once it runs
BENCH_SLEEP    seconds to sleep before measuring
BENCH_NOISE_PCT  per-round noise: every stage of a round times one log-normal factor
               of this sd (%), drawn from the seeded generator; none by default
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

from fake_results import document, jittered_rows, print_list, run_options, seeded_rng

JITTER = 0.002  # relative: 0.2% of each stage time


def main(args: list[str]) -> int:
    with open("timings.json") as f:
        timings = json.load(f)
    if args[0] == "list":
        print_list(list(timings), str.upper)
        return 0
    opts = run_options(args[1:])
    name = opts["--scenario"]
    if name == os.environ.get("BENCH_FAIL"):
        print("bench: simulated failure", file=sys.stderr)
        return 3
    if os.environ.get("BENCH_STARTED"):
        with open(os.environ["BENCH_STARTED"], "a") as started:
            started.write(f"{os.getpid()}\n")
    time.sleep(float(os.environ.get("BENCH_SLEEP", "0")))
    sha = os.environ["PERF_WATERFALL_SHA"]
    stages = [(n, k, float(ms)) for n, k, ms in timings[name]]
    rng = seeded_rng(name, sha)
    noise = float(os.environ.get("BENCH_NOISE_PCT", "0")) / 100
    factor = math.exp(rng.gauss(0, noise)) if noise else 1.0
    rows = jittered_rows([ms * factor for *_, ms in stages], int(opts["--frames"]), JITTER, rng)
    doc = document(name, name.upper(), stages, rows, params={}, meta={"sha": sha})
    with open(opts["--output"], "w") as out:
        json.dump(doc, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
