"""What timing a hop's parts costs: `.venv/bin/python benchmarks/hop_parts_cost.py`.

The budget is what the instrumentation adds to a hop, at most 20 us. Across processes
(``make bench``'s ping-pong) that figure drowns in wake-up noise on a busy 2-core
machine, so this measures the CPU cost itself: one process, a real ZeroMQ ``inproc``
PUSH/PULL pair (no I/O thread, no wake-up: the message is always ready), each hop
sent and received (1) untimed with the same metadata, (2) timed as a whole as the
stages did before, (3) timed with its parts as the stages do now (the extra stamps,
the first part taken apart from the rest, ``hop_parts``, the longer metadata). Variants are
interleaved; per variant the minimum and median over repeats of the mean per hop, in
this thread's CPU time (``thread_time_ns``: time other processes take is not counted).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from pingpong import meta_recv, meta_send, parted_recv, parted_send, timed_recv, timed_send

HOPS = 5_000
REPEATS = 15


def main() -> int:
    ctx: zmq.Context[Any] = zmq.Context()
    pull, push = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH)
    pull.bind("inproc://hop")
    push.connect("inproc://hop")
    variants: dict[str, Callable[[dict[str, Any]], Any]] = {
        "untimed": lambda m: (meta_send(push, m), meta_recv(pull)),
        "hop timed whole": lambda m: (timed_send(push, m), timed_recv(pull)),
        "hop and parts timed": lambda m: (parted_send(push, m), parted_recv(pull)),
    }
    per: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(REPEATS):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            one = variants[name]
            start = time.thread_time_ns()
            for i in range(HOPS):
                one({"kind": "frame", "n": i, "t": [], "st": [], "vh": 0, "crc": 0})
            per[name].append((time.thread_time_ns() - start) / HOPS / 1e3)
    push.close(linger=0)
    pull.close(linger=0)
    ctx.term()
    base_min, base_med = min(per["untimed"]), statistics.median(per["untimed"])
    print(f"one hop in one process, CPU us (min / median of {REPEATS} x {HOPS} hops):")
    for name, values in per.items():
        lo, med = min(values), statistics.median(values)
        added = f"{lo - base_min:5.2f} / {med - base_med:5.2f}"
        print(f"  {name:20} {lo:6.2f} / {med:6.2f}   added {added}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
