"""A/A false-mark rate and power of the verdict rule, simulated: the moderated,
gatekept rule against the earlier one (plain paired t, a fixed Bonferroni split with
half of ALPHA on the frames).

A family like `make waterfall`'s: 6 pipelines, each with a frame time (per-round sd
drawn from 2-3%), IPC (5-16%) and 5 stages (1.5-12%, log-uniform). Each side's round
is independent noise around its mean (pairing removes nothing here: the issue measured
it removing about a fifth). Levels are those of `--rounds auto` (two looks) read at a
fixed number of pairs. Power: pipeline 0's frame +2% and its Detector +3.5%.

    .venv/bin/python benchmarks/decisive_rule.py [trials]
"""

from __future__ import annotations

import math
import random
import sys

from perfwaterfall.analysis.family import Quantity, judge_family
from perfwaterfall.analysis.stats import Change, Verdict
from perfwaterfall.analysis.verdict import ALPHA, Design, judge

PIPELINES, STAGES, LOOKS, THRESHOLD = 6, 5, 2, 2.0


def family(rng: random.Random, pairs: int, frame_pct: float, stage_pct: float) -> list[Quantity]:
    out = []
    for p in range(PIPELINES):
        sds = [rng.uniform(0.02, 0.03), rng.uniform(0.05, 0.16)]
        sds += [math.exp(rng.uniform(math.log(0.015), math.log(0.12))) for _ in range(STAGES)]
        for k, sd in enumerate(sds):
            shift = 0.0
            if p == 0 and k == 0:
                shift = math.log1p(frame_pct / 100)
            if p == 0 and k == 2:
                shift = math.log1p(stage_pct / 100)
            base = [20 * math.exp(rng.gauss(0, sd)) for _ in range(pairs)]
            head = [20 * math.exp(shift + rng.gauss(0, sd)) for _ in range(pairs)]
            out.append(Quantity(p, k == 0, base, head, THRESHOLD))
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
    design = Design(PIPELINES, PIPELINES * (STAGES + 1), LOOKS)
    rng = random.Random(20261202 + pairs)
    counts = {k: [0.0, 0.0] for k in ("any", "frame_slower", "detector_slower", "others", "same")}
    for _ in range(trials):
        qs = family(rng, pairs, frame_pct, stage_pct)
        for r, changes in enumerate((judge_family(qs, design).changes, earlier_rule(qs, design))):
            others = [c for i, c in enumerate(changes) if i not in (0, 2) and c.significant]
            counts["any"][r] += any(c.significant for c in changes)
            counts["frame_slower"][r] += changes[0].verdict is Verdict.SLOWER
            counts["detector_slower"][r] += changes[2].verdict is Verdict.SLOWER
            counts["others"][r] += bool(others)
            counts["same"][r] += (
                sum(c.verdict is Verdict.SAME for i, c in enumerate(changes) if i % 7 == 0)
                / PIPELINES
            )
    return {k: [v / trials for v in pair] for k, pair in counts.items()}


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"{trials} seeded trials per cell; columns: new rule / earlier rule")
    for pairs in (5, 8):
        aa = run(trials, pairs, 0.0, 0.0)
        shifted = run(trials, pairs, 2.0, 3.5)
        print(
            f"{pairs} pairs  A/A marks anything {aa['any'][0]:.3f} / {aa['any'][1]:.3f}  "
            f"A/A frame same {aa['same'][0]:.3f} / {aa['same'][1]:.3f}  |  "
            f"+2% frame slower {shifted['frame_slower'][0]:.3f} / {shifted['frame_slower'][1]:.3f}  "
            f"Detector +3.5% slower {shifted['detector_slower'][0]:.3f} / "
            f"{shifted['detector_slower'][1]:.3f}  "
            f"other marked {shifted['others'][0]:.3f} / {shifted['others'][1]:.3f}"
        )


if __name__ == "__main__":
    main()
