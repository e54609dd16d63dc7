"""Pipeline benchmarks: the copy ladder on ``4k_raw``, the 480p fast path, the timing cost.

Real pipelines (one process per stage), full-size frames. The machine has two
cores, so rungs are interleaved round by round (order reversed every other round)
and every figure is a median over all measured frames of all rounds.
``BENCH_ROUNDS`` and ``BENCH_FRAMES`` override the defaults.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import zmq
from pingpong import (
    meta_recv,
    meta_send,
    parted_recv,
    parted_send,
    timed_recv,
    timed_send,
    unix_timed_recv,
    unix_timed_send,
    untimed_recv,
    untimed_send,
)
from rich.console import Console
from rich.table import Table

from scenarios import driver
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
            doc = driver.run(BY_NAME[scenario], FRAMES, WARMUP, Settings(transport=rung))
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
    hops = {cell: float(benchmark.extra_info[f"{cell[0]}/{cell[1]}/per_hop_ms"]) for cell in docs}
    bars = [
        ("4k nocopy <= 0.25 x copy", hops[("4k_raw", "nocopy")] / hops[("4k_raw", "copy")], 0.25),
        ("480p nocopy per hop <= 1 ms", hops[("480p_raw", "nocopy")], 1.0),
        ("4k shm <= 0.6 x nocopy", hops[("4k_raw", "shm")] / hops[("4k_raw", "nocopy")], 0.6),
    ]
    _print_bars(bars)
    print("(the shm-loan bars: test_shm_loan_hop_against_frame_size, paired runs)")


def _print_bars(bars: list[tuple[str, float, float]]) -> None:
    for name, value, limit in bars:
        verdict = "met" if value <= limit else "MISSED"
        print(f"BAR {name}: {value:.3f} ({verdict})")


# shm-loan against frame size: 4K, the same 4K pipeline with frames a 36th the size
# (its filters' timings unchanged), and the 480p pipeline. Pairs run back to back.
LOAN_CELLS = [("4k_raw", 1.0), ("4k_raw", 1 / 6), ("480p_raw", 1.0)]
LOAN_PAIRS = int(os.environ.get("BENCH_PAIRS", "12"))


def test_shm_loan_hop_against_frame_size(benchmark: Any) -> None:
    """Is a loan hop's cost independent of the frame's size? Ratios of back-to-back runs.

    On a shared two-core VM the cost of any small hop drifts by tens of percent over
    minutes (how cold caches are, how long a halted CPU takes to wake); a ratio of
    two runs a few seconds apart cancels most of that, so the figure is the median
    of per-pair ratios. The middle cell tells the frame's size apart from the
    pipeline's timings: same filters and sleeps as 4K, a 640x360 frame.
    """

    assert LOAN_PAIRS >= 2, "BENCH_PAIRS: quartiles of the ratios need at least 2 pairs"

    def measure() -> dict[tuple[str, float], list[float]]:
        hops: dict[tuple[str, float], list[float]] = defaultdict(list)
        for r in range(LOAN_PAIRS):
            for name, scale in LOAN_CELLS if r % 2 == 0 else list(reversed(LOAN_CELLS)):
                settings = Settings(transport="shm-loan", scale=scale)
                doc = driver.run(BY_NAME[name], FRAMES, WARMUP, settings)
                assert doc["meta"]["verified_frames"] == FRAMES + WARMUP
                hops[(name, scale)].append(statistics.median(_per_frame([doc])["hop"]))
        return hops

    hops = benchmark.pedantic(measure, rounds=1, iterations=1)
    full, small, p480 = (hops[cell] for cell in LOAN_CELLS)
    ratios = [a / b for a, b in zip(full, p480, strict=True)]
    control = [a / b for a, b in zip(full, small, strict=True)]
    q1, ratio, q3 = statistics.quantiles(ratios, n=4)
    print(
        f"\nFIGURE shm-loan per hop ({LOAN_PAIRS} pairs x {FRAMES} frames, medians of run "
        f"medians): 4k_raw {statistics.median(full):.3f} ms, 4k_raw at 640x360 "
        f"{statistics.median(small):.3f} ms, 480p_raw {statistics.median(p480):.3f} ms"
    )
    print(
        f"FIGURE shm-loan 4k/480p per-pair ratio: median {ratio:.2f} (quartiles {q1:.2f}-"
        f"{q3:.2f}, range {min(ratios):.2f}-{max(ratios):.2f}); 4k_raw full/small frames "
        f"{statistics.median(control):.2f}"
    )
    benchmark.extra_info.update(
        loan_4k_hop_ms=round(statistics.median(full), 4),
        loan_4k_small_frames_hop_ms=round(statistics.median(small), 4),
        loan_480p_hop_ms=round(statistics.median(p480), 4),
        loan_4k_over_480p=round(ratio, 3),
    )
    _print_bars(
        [
            ("4k shm-loan per hop <= 0.15 ms", statistics.median(full), 0.15),
            ("shm-loan 4k per hop <= 1.5 x 480p", ratio, 1.5),
        ]
    )


def _pingpong_round(
    push: zmq.Socket[Any], pull: zmq.Socket[Any], mode: str, n: int
) -> tuple[float, list[int]]:
    """Per-hop wall time of ``n`` round trips (two hops each), and the recorded hops.

    ``mode``: ``bare`` (empty parts), ``meta`` (the frame metadata, no timestamps),
    ``hop`` (the metadata with timestamps, every hop timed as a whole), ``timed`` (every
    hop and its parts timed as the stages time them: scenarios.hop_parts).
    """
    recorded: list[int] = []
    start = time.perf_counter_ns()
    for i in range(n):
        meta = {"kind": "frame", "n": i, "t": [], "st": [], "vh": 0, "crc": 0}
        if mode == "timed":
            parted_send(push, meta)
            recorded.extend(parted_recv(pull)["t"])
        elif mode == "hop":
            timed_send(push, meta)
            recorded.extend(timed_recv(pull)["t"])
        elif mode == "meta":
            meta_send(push, meta)
            meta_recv(pull)
        else:
            untimed_send(push)
            untimed_recv(pull)
    return (time.perf_counter_ns() - start) / (2 * n) / 1000.0, recorded


@contextlib.contextmanager
def echo_peer() -> Iterator[tuple[zmq.Socket[Any], zmq.Socket[Any]]]:
    """A pingpong.py process echoing every message back; sockets and files gone after."""
    tmp = Path(tempfile.mkdtemp(prefix="scenarios-bench-"))
    ctx: zmq.Context[Any] = zmq.Context()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    pull.bind(f"ipc://{tmp}/back")
    push.connect(f"ipc://{tmp}/there")
    peer_argv = [sys.executable, str(Path(__file__).with_name("pingpong.py"))]
    # The peer times hops with scenarios.hop_parts, as the stages do: the repository root.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    peer = subprocess.Popen([*peer_argv, f"ipc://{tmp}/there", f"ipc://{tmp}/back"], env=env)
    try:
        yield push, pull
    finally:
        push.send_multipart([b"stop", b""])
        peer.wait(timeout=10)
        push.close(linger=0)
        pull.close(linger=0)
        ctx.term()
        shutil.rmtree(tmp, ignore_errors=True)


def test_timing_overhead_per_hop(benchmark: Any) -> None:
    """What the instrumentation adds to a hop: timed empty-payload hop vs bare ping-pong."""
    with echo_peer() as (push, pull):
        _pingpong_round(push, pull, "bare", 500)  # connect and warm up
        modes = ("timed", "hop", "meta", "bare")

        def measure() -> dict[str, list[float]]:
            per: dict[str, list[float]] = {m: [] for m in (*modes, "recorded")}
            for r in range(10):
                for mode in modes if r % 2 == 0 else tuple(reversed(modes)):
                    us, rec = _pingpong_round(push, pull, mode, 2000)
                    per[mode].append(us)
                    per["recorded"].extend(x / 1000.0 for x in rec)
            return per

        per = benchmark.pedantic(measure, rounds=1, iterations=1)
    timed, hop, meta, bare = (statistics.median(per[m]) for m in modes)
    recorded = statistics.median(per["recorded"])
    benchmark.extra_info.update(
        timed_hop_us=round(timed, 2),
        meta_hop_us=round(meta, 2),
        bare_hop_us=round(bare, 2),
        timing_overhead_us=round(timed - meta, 2),
        hop_parts_overhead_us=round(timed - hop, 2),
        instrumentation_overhead_us=round(timed - bare, 2),
        recorded_hop_us=round(recorded, 2),
    )
    print(
        f"\nFIGURE timing overhead per hop: {timed - meta:.1f} us (timed hop {timed:.1f} us vs "
        f"the same metadata untimed {meta:.1f} us), of which the hop's parts {timed - hop:.1f} us "
        f"(vs the hop timed whole {hop:.1f} us); all metadata included: {timed - bare:.1f} us "
        f"(vs bare ping-pong {bare:.1f} us). Medians of 10 interleaved rounds x 2000 round "
        f"trips; the hop as the stages record it: {recorded:.1f} us"
    )


def _hops_after_idle(
    send: Callable[[dict[str, Any]], None],
    recv: Callable[[], dict[str, Any]],
    gaps_ms: tuple[int, ...],
) -> dict[int, list[float]]:
    """Recorded hop times (us) of empty timed messages sent after each idle gap, interleaved."""
    hops: dict[int, list[float]] = {g: [] for g in gaps_ms}
    for r in range(4):
        for gap in gaps_ms if r % 2 == 0 else tuple(reversed(gaps_ms)):
            for i in range(100):
                time.sleep(gap / 1000)
                send({"kind": "frame", "n": i, "t": [], "vh": 0, "crc": 0})
                hops[gap].extend(x / 1000.0 for x in recv()["t"])
    return hops


def test_small_message_hop_after_idle(benchmark: Any) -> None:
    """The floor of any hop here: an instrumented empty hop, after the peer idled a while.

    A synchronous pipeline's receiver has usually slept for a filter's whole work
    time; waking it (and the ZeroMQ I/O threads on both sides) is part of every hop.
    """
    gaps_ms = (0, 1, 5, 20)
    with echo_peer() as (push, pull):
        _pingpong_round(push, pull, "bare", 500)

        hops = benchmark.pedantic(
            _hops_after_idle,
            args=(lambda m: timed_send(push, m), lambda: timed_recv(pull), gaps_ms),
            rounds=1,
            iterations=1,
        )
    print()
    for gap in gaps_ms:
        med = statistics.median(hops[gap])
        benchmark.extra_info[f"idle_{gap}ms_hop_us"] = round(med, 1)
        print(f"FIGURE empty timed hop after {gap:>2} ms idle: {med:.1f} us (median of 400)")


def test_unix_socket_hop_after_idle(benchmark: Any) -> None:
    """The same floor over the shm-loan link: a Unix SEQPACKET socket wakes one thread."""
    tmp = Path(tempfile.mkdtemp(prefix="scenarios-bench-"))
    path = str(tmp / "echo")
    peer = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("pingpong.py")), "unix", path]
    )
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    gaps_ms = (0, 1, 5, 20)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        for i in range(500):
            unix_timed_send(sock, {"kind": "frame", "n": i, "t": [], "vh": 0, "crc": 0})
            unix_timed_recv(sock)

        hops = benchmark.pedantic(
            _hops_after_idle,
            args=(lambda m: unix_timed_send(sock, m), lambda: unix_timed_recv(sock), gaps_ms),
            rounds=1,
            iterations=1,
        )
    finally:
        with contextlib.suppress(OSError):
            sock.send(b"stop")
        sock.close()
        peer.wait(timeout=10)
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    print()
    for gap in gaps_ms:
        med = statistics.median(hops[gap])
        benchmark.extra_info[f"unix_idle_{gap}ms_hop_us"] = round(med, 1)
        print(
            f"FIGURE empty timed Unix-socket hop after {gap:>2} ms idle: {med:.1f} us "
            "(median of 400)"
        )
