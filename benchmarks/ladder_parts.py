"""The ladder's hops broken into their parts, from a saved sweep bundle.

    make ladder ARGS="--save /tmp/ladder.json"
    .venv/bin/python benchmarks/ladder_parts.py /tmp/ladder.json [-s 4k_raw]

Prints a markdown table: per rung, the hop as a whole and each of its parts
(scenarios/hop_parts.py), per hop (the mean over a frame's hops, as "per hop" is
IPC / hops), as the median over rounds of each round's median over frames: the
statistic perf-waterfall's tables use. Reads the bundle's raw documents only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from typing import Any


def per_hop(doc: dict[str, Any]) -> dict[str, float]:
    """This round's medians over frames of the mean hop and of each mean part (ms)."""
    hops = [i for i, s in enumerate(doc["stages"]) if s["kind"] == "ipc"]
    parts: dict[str, list[int]] = defaultdict(list)
    for j, sub in enumerate(doc.get("substages", [])):
        parts[sub["name"]].append(j)
    out = {"hop": statistics.median(sum(r[i] for i in hops) / len(hops) for r in doc["samples_ms"])}
    for name, cols in parts.items():
        rows = doc["substage_samples_ms"]
        out[name] = statistics.median(sum(r[j] for j in cols) / len(cols) for r in rows)
    return out


def table(bundle: dict[str, Any], scenario: str) -> str:
    names: list[str] = []
    lines = []
    for side in bundle["sides"]:
        rounds = [per_hop(doc) for doc in side["rounds"].get(scenario, [])]
        if not rounds:
            continue
        medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        names = names or [k for k in medians if k != "hop"]
        cells = [f"{medians['hop']:.3f}"] + [f"{medians.get(n, 0.0):.3f}" for n in names]
        value = side["label"].partition("=")[2] or side["label"]  # KEY=value: the value
        lines.append(f"| `{value}` | " + " | ".join(cells) + " |")
    head = "| rung | per hop | " + " | ".join(names) + " |"
    rule = "|---|" + "---:|" * (len(names) + 1)
    return "\n".join([head, rule, *lines])


def main() -> int:
    parser = argparse.ArgumentParser(prog="ladder_parts")
    parser.add_argument("bundle")
    parser.add_argument("-s", "--scenario", default="4k_raw")
    args = parser.parse_args()
    with open(args.bundle) as f:
        bundle = json.load(f)
    print(f"{args.scenario}, ms per hop, median over rounds of per-round medians:\n")
    print(table(bundle, args.scenario))
    return 0


if __name__ == "__main__":
    sys.exit(main())
