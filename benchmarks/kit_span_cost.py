"""What one timed span of perfwaterfall.kit costs: `python benchmarks/kit_span_cost.py`.

The cost a harness pays around the code it times (enter, two clock reads, exit),
measured as the wall time of many empty spans minus an empty loop, median of
several repeats. Prints microseconds per span for ``stage`` and unnamed ``hop``, and
per hop timed with four nested sub-stages (serialize, send, receive, view): the whole
cost a hop broken into its parts adds, against the budget of 20 us per hop.
"""

from __future__ import annotations

import statistics
import sys
import time

from perfwaterfall.kit import Recorder

SPANS_PER_FRAME = 1_000
FRAMES = 200
REPEATS = 7
PARTS = ("serialize", "send", "receive", "view")


def _loop_ns(timed: bool, hop: bool, nested: bool = False) -> int:
    rec = Recorder(FRAMES)
    start = time.perf_counter_ns()
    for _ in rec.frames():
        for _ in range(SPANS_PER_FRAME):
            if not timed:
                continue
            if nested:
                with rec.hop("hop"):
                    for part in PARTS:
                        with rec.stage(part):
                            pass
            elif hop:
                with rec.hop():
                    pass
            else:
                with rec.stage("work"):
                    pass
    return time.perf_counter_ns() - start


def per_span_us(hop: bool, nested: bool = False) -> float:
    spans = SPANS_PER_FRAME * FRAMES
    costs = [
        (_loop_ns(True, hop, nested) - _loop_ns(False, hop, nested)) / spans / 1e3
        for _ in range(REPEATS)
    ]
    return statistics.median(costs)


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, {SPANS_PER_FRAME * FRAMES} spans x {REPEATS}")
    print(f"with rec.stage('work'): {per_span_us(hop=False):.3f} us per span")
    print(f"with rec.hop():         {per_span_us(hop=True):.3f} us per span")
    nested = per_span_us(hop=True, nested=True)
    print(f"a hop with {len(PARTS)} sub-stages:  {nested:.3f} us per hop (budget 20 us)")
