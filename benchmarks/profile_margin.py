"""How far from failing ``test_profile_real``'s copy-against-nocopy assertion runs here.

    .venv/bin/python benchmarks/profile_margin.py [--runs 10] [--rounds 4] [--frames 8]

Each run records what the test records (4K frames, the copying and the zero-copy transport,
``--rounds`` profiled rounds a side, alternating) and prints, for the copying send and
encode, the margin: the change over its sampling-noise half-width (the test needs > 1).
A lognormal fitted to the margins gives the chance of a run below 1: the test's
false-failure rate on this machine.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
from pathlib import Path

from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.profile.folded import Folded
from perfwaterfall.profile.movers import movers
from perfwaterfall.profile.noise import SideSamples
from perfwaterfall.profile.pyspy import find_py_spy
from perfwaterfall.profile.rounds import ProfileSettings, record_raw
from perfwaterfall.protocol.harness_spec import HarnessSpec

ROOT = Path(__file__).parents[1]
SPEC = HarnessSpec(argv=("{python}", "-m", "scenarios"))
REF = RefInfo(name="HEAD", sha="a" * 40, short="aaaaaaa", subject="benchmark")
COPIES = ("ZmqEndpoint.encode (scenarios/transport/zmq.py)", "Socket.send (zmq/sugar/socket.py)")


def one_run(settings: ProfileSettings) -> dict[str, float]:
    sides = [
        SideCheckout(label=name, ref=REF, worktree=ROOT, env={"SCENARIOS_TRANSPORT": name})
        for name in ("copy", "nocopy")
    ]
    rounds: list[list[Folded]] = [[], []]
    for r in range(settings.rounds):
        for i in (0, 1) if r % 2 == 0 else (1, 0):
            rounds[i].append(record_raw(SPEC, sides[i], "4k_raw", settings))
    frames = settings.frames + settings.warmup
    base, head = (SideSamples(tuple(r), frames=frames, rate=settings.rate) for r in rounds)
    found = {m.function: m for m in movers(base, head, top=1000).by_self}
    return {f: -found[f].delta / found[f].uncertainty_ms for f in COPIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args()
    margins: dict[str, list[float]] = {f: [] for f in COPIES}
    with tempfile.TemporaryDirectory() as work:
        settings = ProfileSettings(
            py_spy=find_py_spy(),
            directory=Path(work),
            frames=args.frames,
            warmup=1,
            rounds=args.rounds,
        )
        for run in range(args.runs):
            for function, margin in one_run(settings).items():
                margins[function].append(margin)
            print(f"run {run + 1}: " + ", ".join(f"{m[-1]:.2f}" for m in margins.values()))
    for function, found in margins.items():
        logs = [math.log(m) for m in found if m > 0]
        mean, sd = statistics.mean(logs), statistics.stdev(logs)
        chance = statistics.NormalDist(mean, sd).cdf(0.0)
        print(
            f"{function}: margin median {statistics.median(found):.2f}, min {min(found):.2f} "
            f"over {len(found)} runs; lognormal fit: below 1 with chance {chance:.1e}"
        )
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
