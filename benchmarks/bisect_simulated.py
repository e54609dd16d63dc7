"""Seeded whole bisect searches, judged by the tool's own probe rule: how often it is right.

    .venv/bin/python benchmarks/bisect_simulated.py [--searches 1000] [--seed 22]
        [--commits 16] [--sd 3] [--step 10] [--max-rounds 17]

Each search draws its culprit at random among ``--commits`` commits; every round of
every commit is drawn afresh with a log-normal per-round sd of ``--sd`` percent, and
the commits from the culprit on are ``--step`` percent slower. Probes are judged by
``perfwaterfall/history/probe_rule.py`` and searched by ``history/search.py``
(tests/helpers/bisect_sim.py). Prints how often the culprit is named alone (the
issue's bar: at least 90%), how often a wrong commit is named (at most 1%), mean
probes, mean commits left and mean rounds per probe.

Pure arithmetic: no process is started, the machine's load does not matter.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfwaterfall.analysis.rounds_policy import RoundsPolicy
from perfwaterfall.history import probe_rule
from tests.helpers.bisect_sim import simulate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--commits", type=int, default=16)
    parser.add_argument("--sd", type=float, default=3.0, help="per-round sd, percent")
    parser.add_argument("--step", type=float, default=10.0, help="the regression, percent")
    parser.add_argument("--max-rounds", type=int, default=probe_rule.MAXIMUM_ROUNDS)
    args = parser.parse_args()
    policy = RoundsPolicy.auto(args.max_rounds)
    started = time.monotonic()
    figures = simulate(
        args.searches,
        seed=args.seed,
        commits=args.commits,
        sd=args.sd / 100,
        step=args.step / 100,
        policy=policy,
    )
    print(
        f"{args.commits} commits, per-round sd {args.sd:g}%, +{args.step:g}% at a random "
        f"commit, {policy.describe()}, seed {args.seed}"
    )
    print(figures.summary())
    outcomes = ", ".join(f"{o.value} {n}" for o, n in sorted(figures.by_outcome.items()))
    print(f"probe outcomes: {outcomes}; {time.monotonic() - started:.1f} s")
    alone, wrong = figures.rate(figures.alone), figures.rate(figures.wrong)
    met = alone >= 0.90 and wrong <= 0.01
    print(f"bars (culprit alone >= 90%, wrong <= 1%): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
