"""Pipeline benchmarks: the copy ladder on ``4k_raw``, the 480p fast path, the timing cost.

Real pipelines (one process per stage), full-size frames. The machine has two
cores, so rungs are interleaved round by round (order reversed every other round)
and every figure is a median over all measured frames of all rounds.
``BENCH_ROUNDS`` and ``BENCH_FRAMES`` override the defaults.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import zmq
from pingpong import timed_recv, timed_send, untimed_recv, untimed_send
from rich.console import Console
from rich.table import Table

from scenarios import pipeline
from scenarios.catalog import BY_NAME
from scenarios.config import Settings
from scenarios.transport import RUNGS

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FRAMES = int(os.environ.get("BENCH_FRAMES", "40"))
WARMUP = 5
# Cells of the interleaved plan: (scenario, transport).
LADDER = [("4k_raw", rung) for rung in RUNGS]
FAST_PATH = [("480p_raw", rung) for rung in ("nocopy", "shm-loan")]


def _per_frame(docs: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Per-frame derived figures pooled over rounds (harness-protocol.md definitions)."""
    out: dict[str, list[float]] = defaultdict(list)
    for doc in docs:
        ipc = [i for i, s in enumerate(doc["stages"]) if s["kind"] == "ipc"]
        for row in doc["samples_ms"]:
            overhead = sum(row[i] for i in ipc)
            out["frame"].append(sum(row))
            out["ipc"].append(overhead)
            out["hop"].append(overhead / len(ipc))
    return out


def _run_plan(cells: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    docs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in range(ROUNDS):
        for scenario, rung in cells if r % 2 == 0 else list(reversed(cells)):
            doc = pipeline.run(BY_NAME[scenario], FRAMES, WARMUP, Settings(transport=rung))
            assert doc["meta"]["verified_frames"] == FRAMES + WARMUP
            docs[(scenario, rung)].append(doc)
    return docs


def test_ladder_4k_raw(benchmark: Any) -> None:
    docs = benchmark.pedantic(_run_plan, args=(LADDER + FAST_PATH,), rounds=1, iterations=1)
    table = Table(
        title=f"4k_raw transport ladder ({ROUNDS} rounds x {FRAMES} frames, interleaved, medians)",
        title_justify="left",
    )
    for col in ("Transport", "IPC / frame", "Per hop", "Per hop, round medians", "Max fps"):
        table.add_column(col, justify="left" if col == "Transport" else "right")
    table.add_column("Hop vs copy", justify="right")
    copy_hop = None
    lines = []
    for scenario, rung in LADDER + FAST_PATH:
        pooled = _per_frame(docs[(scenario, rung)])
        hop = statistics.median(pooled["hop"])
        ipc = statistics.median(pooled["ipc"])
        fps = 1000.0 / statistics.median(pooled["frame"])
        rounds = [statistics.median(_per_frame([d])["hop"]) for d in docs[(scenario, rung)]]
        if scenario == "4k_raw" and rung == "copy":
            copy_hop = hop
        ratio = f"{hop / copy_hop:.2f} x" if copy_hop and scenario == "4k_raw" else ""
        label = rung if scenario == "4k_raw" else f"{rung} (480p_raw)"
        table.add_row(
            label,
            f"{ipc:.3f} ms",
            f"{hop:.3f} ms",
            " ".join(f"{x:.2f}" for x in rounds),
            f"{fps:.1f}",
            ratio,
        )
        benchmark.extra_info[f"{scenario}/{rung}/per_hop_ms"] = round(hop, 4)
        benchmark.extra_info[f"{scenario}/{rung}/ipc_ms"] = round(ipc, 4)
        benchmark.extra_info[f"{scenario}/{rung}/max_fps"] = round(fps, 2)
        lines.append(
            f"FIGURE {scenario} {rung}: ipc/frame {ipc:.3f} ms, per hop {hop:.3f} ms, "
            f"max fps {fps:.1f}"
        )
    print()
    Console(width=120).print(table)
    print("\n".join(lines))


def _pingpong_round(
    push: zmq.Socket[Any], pull: zmq.Socket[Any], timed: bool, n: int
) -> tuple[float, list[int]]:
    """Per-hop wall time of ``n`` round trips (two hops each), and the recorded hops."""
    recorded: list[int] = []
    start = time.perf_counter_ns()
    for i in range(n):
        if timed:
            timed_send(push, {"kind": "frame", "n": i, "t": [], "vh": 0, "crc": 0})
            recorded.extend(timed_recv(pull)["t"])
        else:
            untimed_send(push)
            untimed_recv(pull)
    return (time.perf_counter_ns() - start) / (2 * n) / 1000.0, recorded


def test_timing_overhead_per_hop(benchmark: Any) -> None:
    """What the instrumentation adds to a hop: timed empty-payload hop vs bare ping-pong."""
    tmp = Path(tempfile.mkdtemp(prefix="scenarios-bench-"))
    ctx: zmq.Context[Any] = zmq.Context()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    pull.bind(f"ipc://{tmp}/back")
    push.connect(f"ipc://{tmp}/there")
    peer = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("pingpong.py")),
            f"ipc://{tmp}/there",
            f"ipc://{tmp}/back",
        ]
    )
    try:
        _pingpong_round(push, pull, False, 500)  # connect and warm up

        def measure() -> dict[str, list[float]]:
            per: dict[str, list[float]] = {"timed": [], "untimed": [], "recorded": []}
            for r in range(10):
                for timed in (True, False) if r % 2 == 0 else (False, True):
                    us, rec = _pingpong_round(push, pull, timed, 2000)
                    per["timed" if timed else "untimed"].append(us)
                    per["recorded"].extend(x / 1000.0 for x in rec)
            return per

        per = benchmark.pedantic(measure, rounds=1, iterations=1)
    finally:
        push.send_multipart([b"stop", b""])
        peer.wait(timeout=10)
        push.close(linger=0)
        pull.close(linger=0)
        ctx.term()
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    timed = statistics.median(per["timed"])
    untimed = statistics.median(per["untimed"])
    recorded = statistics.median(per["recorded"])
    benchmark.extra_info.update(
        timed_hop_us=round(timed, 2),
        untimed_hop_us=round(untimed, 2),
        overhead_us=round(timed - untimed, 2),
        recorded_hop_us=round(recorded, 2),
    )
    print(
        f"\nFIGURE timing overhead per hop: {timed - untimed:.1f} us "
        f"(timed empty hop {timed:.1f} us vs untimed ping-pong {untimed:.1f} us, "
        f"medians of 10 interleaved rounds x 2000 round trips; "
        f"the hop as recorded: {recorded:.1f} us)"
    )
