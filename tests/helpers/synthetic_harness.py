"""A harness that speaks the protocol with made-up stage times: no sleeps, known answers.

Copied into a test's repository and named in its pyproject. Everything comes from
the environment, and each round's noise is seeded from a counter file per side, so a
test is exact and repeatable:

- SYNTH_STAGES: "VideoIn:filter:1,hop 1:ipc:2,Detector:filter:20,Sink:filter:1" (ms)
- SYNTH_NOISE_PCT: per-round noise (a log-normal factor on every stage), 0 by default
- SYNTH_SUBSTAGES: "hop 1/serialize:ipc:0.5,hop 1/send:ipc:1" (path/name:kind:ms), written
  as the document's nested stages; none by default
- SCENARIOS_SLOWDOWN: "Detector:0.7", as the built-in scenarios read it; a sub-stage's
  path ("hop 1/serialize:0.7") slows it and every stage it sits in, as time inside it would
- SYNTH_SEED: mixed into every round's seed
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
from pathlib import Path

SCENARIOS = [{"name": "pipe", "label": "synthetic"}, {"name": "other", "label": "synthetic"}]


def _stages() -> list[tuple[str, str, float]]:
    spec = os.environ.get("SYNTH_STAGES", "VideoIn:filter:1,hop 1:ipc:2,Detector:filter:20")
    out = []
    for item in spec.split(","):
        name, kind, ms = item.split(":")
        out.append((name, kind, float(ms)))
    return out


def _substages() -> list[tuple[list[str], str, float]]:
    spec = os.environ.get("SYNTH_SUBSTAGES", "")
    out = []
    for item in filter(None, spec.split(",")):
        path, kind, ms = item.split(":")
        out.append((path.split("/"), kind, float(ms)))
    return out


def _slowdown() -> dict[str, float]:
    text = os.environ.get("SCENARIOS_SLOWDOWN", "")
    pairs = (item.rsplit(":", 1) for item in text.split(",") if item)
    return {name: float(ms) for name, ms in pairs}


def _next_round(scenario: str) -> int:
    """This side's round count for the scenario, kept in the worktree (one per side)."""
    counter = Path(f".synth-{scenario}-rounds")
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    return n


def run(scenario: str, frames: int, output: str) -> None:
    stages = _stages()
    extra = _slowdown()
    noise = float(os.environ.get("SYNTH_NOISE_PCT", "0")) / 100
    seed = f"{os.environ.get('SYNTH_SEED', '0')}-{scenario}-{_next_round(scenario)}"
    rng = random.Random(seed)
    factor = math.exp(rng.gauss(0, noise)) if noise else 1.0
    substages = _substages()

    def slowed(path: list[str]) -> float:
        """Slowdowns named by this path or by any path inside it."""
        return sum(ms for name, ms in extra.items() if name.split("/")[: len(path)] == path)

    rows = [
        [round((ms + slowed([name])) * factor, 6) for name, _, ms in stages] for _ in range(frames)
    ]
    doc: dict = {
        "schema": "perf-waterfall/results@1",
        "scenario": {"name": scenario, "label": "synthetic"},
        "stages": [{"name": name, "kind": kind} for name, kind, _ in stages],
        "samples_ms": rows,
    }
    if substages:
        doc["substages"] = [
            {"name": path[-1], "kind": kind, "parent": path[:-1]} for path, kind, _ in substages
        ]
        doc["substage_samples_ms"] = [
            [round((ms + slowed(path)) * factor, 6) for path, _, ms in substages]
            for _ in range(frames)
        ]
    Path(output).write_text(json.dumps(doc))


def main(argv: list[str]) -> int:
    if argv[:1] == ["list"]:
        print(json.dumps(SCENARIOS))
        return 0
    if argv[:1] == ["run"]:
        args = dict(zip(argv[1::2], argv[2::2], strict=False))
        run(args["--scenario"], int(args["--frames"]), args["--output"])
        return 0
    print("usage: synthetic_harness.py list | run --scenario S --frames N ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
