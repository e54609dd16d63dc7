"""How much a pipeline's round medians vary, from a saved bundle: the noise verdicts fight.

    .venv/bin/python benchmarks/round_noise.py BUNDLE.json

Per pipeline and side: the sd of the per-round median of frame time and IPC, in % of
their median, and (for frame time) the part that sampling N frames alone explains
(1.4826 MAD scaled by sqrt(pi/2/N)). What is left is between-round noise: more
frames per round cannot remove it, only more rounds.
"""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

from perfwaterfall.analysis.comparison import summarize_round
from perfwaterfall.store import bundle as bundles


def main(path: str) -> None:
    loaded = bundles.load(Path(path))
    print(f"{'pipeline':18} {'side':6} {'rounds':>6} {'frame sd':>9} {'sampling':>9} {'IPC sd':>7}")
    for side in loaded.sides:
        for name, rounds in side.rounds.items():
            if len(rounds) < 2:
                continue
            summaries = [summarize_round(r) for r in rounds]
            frame = [s.frame_ms for s in summaries]
            ipc = [s.ipc_ms for s in summaries]
            sampling = []
            for r, median in zip(rounds, frame, strict=True):
                sums = [sum(row) for row in r.samples_ms]
                mad = statistics.median(abs(x - median) for x in sums) * 1.4826
                sampling.append(mad * mad * math.pi / 2 / len(sums))
            print(
                f"{name:18} {side.label:6} {len(rounds):6d} {_pct(statistics.stdev(frame), frame)}"
                f" {_pct(math.sqrt(statistics.fmean(sampling)), frame)}"
                f" {_pct(statistics.stdev(ipc), ipc, 7)}"
            )


def _pct(sd: float, values: list[float], width: int = 9) -> str:
    median = statistics.median(values)
    return f"{sd / median * 100:{width - 1}.1f}%" if median > 0 else f"{'-':>{width}}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: round_noise.py BUNDLE.json")
    main(sys.argv[1])
