"""A harness for recorded histories: each commit's stage and part times from its own
``stages.json``, with seeded per-round noise, so a test plants steps at known commits.

``stages.json``: {"pipe": {"stages": [[name, kind, ms], ...], "parts": [["hop 2/send",
kind, ms], ...]}}. Each round's times are scaled by one log-normal factor of
HISTORY_NOISE_PCT (default 1) percent, seeded by the commit, the scenario and the
round's number in its worktree: the same on every run, independent between rounds.
HISTORY_STARTED names a file that gets a line "SHA SCENARIO" per round measured.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
from pathlib import Path


def run(scenario: str, frames: int, output: str) -> None:
    spec = json.loads(Path("stages.json").read_text())[scenario]
    counter = Path(f".rounds-{scenario}")
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    if os.environ.get("HISTORY_STARTED"):  # a test's record of what was measured
        with open(os.environ["HISTORY_STARTED"], "a") as started:
            started.write(f"{os.environ['PERF_WATERFALL_SHA']} {scenario}\n")
    rng = random.Random(f"{os.environ['PERF_WATERFALL_SHA']}/{scenario}/{n}")
    noise = float(os.environ.get("HISTORY_NOISE_PCT", "1")) / 100
    factor = math.exp(rng.gauss(0, noise))
    doc = {
        "schema": "perf-waterfall/results@1",
        "scenario": {"name": scenario, "label": scenario},
        "stages": [{"name": s, "kind": k} for s, k, _ in spec["stages"]],
        "samples_ms": [[ms * factor for *_, ms in spec["stages"]] for _ in range(frames)],
    }
    if spec.get("parts"):
        doc["substages"] = [
            {"name": p.split("/")[-1], "kind": k, "parent": p.split("/")[:-1]}
            for p, k, _ in spec["parts"]
        ]
        doc["substage_samples_ms"] = [[ms * factor for *_, ms in spec["parts"]]] * frames
    Path(output).write_text(json.dumps(doc))


def main(argv: list[str]) -> int:
    if argv[:1] == ["list"]:
        names = json.loads(Path("stages.json").read_text())
        print(json.dumps([{"name": n, "label": n} for n in names]))
        return 0
    args = dict(zip(argv[1::2], argv[2::2], strict=False))
    run(args["--scenario"], int(args["--frames"]), args["--output"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
