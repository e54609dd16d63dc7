"""A/A false-mark rate and power of the verdict rule, simulated: the moderated,
gatekept rule against the earlier one (plain paired t, a fixed Bonferroni split with
half of ALPHA on the frames).

A family like `make waterfall`'s: 6 pipelines, each with a frame time of 35 ms (per-round
sd drawn from 2-3%), IPC of 12 ms (5-16%) and 5 stages of 0.3, 6, 20, 6 and 3 ms whose
sd grows as they shrink (2.5% at 20 ms, times (20 / size)^0.35, times a log-normal
factor of sd 0.3). Each side's round is independent noise around its mean (pairing
removes nothing here: the issue measured it removing about a fifth). Levels are those
of `--rounds auto` (two looks) read at a fixed number of pairs. Power: pipeline 0's
frame +2% and its Detector (the 20 ms stage) +3.5%.

    .venv/bin/python benchmarks/decisive_rule.py [trials] [frame sd low, high in %]

(the second form, e.g. `400 1 1.5`, is the noise measured with the CPUs kept awake)
"""

from __future__ import annotations

import math
import random
import sys

from perfwaterfall.analysis.family import Quantity, judge_family
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.analysis.verdict import ALPHA, Design, judge

PIPELINES, LOOKS, THRESHOLD = 6, 2, 2.0
SIZES = (35.0, 12.0, 0.3, 6.0, 20.0, 6.0, 3.0)  # frame, IPC, then the stages
FRAME, DETECTOR = 0, 4


FRAME_SD = [0.02, 0.03]  # per-round sd of the frame time, drawn per pipeline


def family(rng: random.Random, pairs: int, frame_pct: float, stage_pct: float) -> list[Quantity]:
    out = []
    for p in range(PIPELINES):
        sds = [rng.uniform(*FRAME_SD), rng.uniform(0.05, 0.16)]
        sds += [0.025 * (20 / size) ** 0.35 * math.exp(rng.gauss(0, 0.3)) for size in SIZES[2:]]
        for k, (sd, size) in enumerate(zip(sds, SIZES, strict=True)):
            shift = 0.0
            if p == 0 and k == FRAME:
                shift = math.log1p(frame_pct / 100)
            if p == 0 and k == DETECTOR:
                shift = math.log1p(stage_pct / 100)
            base = [size * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            head = [size * math.exp(shift + rng.gauss(0, sd)) for _ in range(pairs)]
            out.append(Quantity(p, k == FRAME, base, head, THRESHOLD))
    return out


def earlier_rule(quantities: list[Quantity], design: Design) -> list[Change]:
    """main's rule: plain paired t, frames share ALPHA/2, the rest share ALPHA/2."""
    frame_alpha = ALPHA * 0.5 / design.frame_quantities / design.looks
    other_alpha = ALPHA * 0.5 / design.other_quantities / design.looks
    return [
        judge(
            q.base,
            q.head,
            detection_alpha=frame_alpha if q.frame else other_alpha,
            equivalence_alpha=design.equivalence_alpha,
            threshold_pct=q.threshold_pct,
        )
        for q in quantities
    ]


def run(trials: int, pairs: int, frame_pct: float, stage_pct: float) -> dict[str, list[float]]:
    design = Design(PIPELINES, PIPELINES * (len(SIZES) - 1), LOOKS)
    rng = random.Random(20261202 + pairs)
    counts = {k: [0.0, 0.0] for k in ("any", "frame_slower", "detector_slower", "others", "same")}
    for _ in range(trials):
        qs = family(rng, pairs, frame_pct, stage_pct)
        for r, changes in enumerate((judge_family(qs, design).changes, earlier_rule(qs, design))):
            others = [
                c for i, c in enumerate(changes) if i not in (FRAME, DETECTOR) and c.significant
            ]
            counts["any"][r] += any(c.significant for c in changes)
            counts["frame_slower"][r] += changes[0].verdict is Verdict.SLOWER
            counts["detector_slower"][r] += changes[DETECTOR].verdict is Verdict.SLOWER
            counts["others"][r] += bool(others)
            counts["same"][r] += (
                sum(c.verdict is Verdict.SAME for i, c in enumerate(changes) if i % 7 == 0)
                / PIPELINES
            )
    return {k: [v / trials for v in pair] for k, pair in counts.items()}


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if len(sys.argv) > 3:
        FRAME_SD[:] = [float(sys.argv[2]) / 100, float(sys.argv[3]) / 100]
    print(
        f"{trials} seeded trials per cell, frame sd {FRAME_SD[0]:.1%}-{FRAME_SD[1]:.1%}; "
        "columns: new rule / earlier rule"
    )
    for pairs in (5, 8):
        aa = run(trials, pairs, 0.0, 0.0)
        shifted = run(trials, pairs, 2.0, 3.5)
        print(
            f"{pairs} pairs  A/A marks anything {aa['any'][0]:.3f} / {aa['any'][1]:.3f}  "
            f"A/A frame same {aa['same'][0]:.3f} / {aa['same'][1]:.3f}  |  "
            f"+2% frame slower {shifted['frame_slower'][0]:.3f} / "
            f"{shifted['frame_slower'][1]:.3f}  "
            f"Detector +3.5% slower {shifted['detector_slower'][0]:.3f} / "
            f"{shifted['detector_slower'][1]:.3f}  "
            f"other marked {shifted['others'][0]:.3f} / {shifted['others'][1]:.3f}"
        )


if __name__ == "__main__":
    main()
