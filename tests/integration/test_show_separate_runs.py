"""`show A.json B.json` of two `run` bundles: unpaired, and unlike runs said at every verdict.

The case of issue 22: identical code measured in two CI jobs, the second on a runner
4% slower. Rounds are seeded synthetic ones written as `run --save` writes them, so
the answer is known and nothing depends on this machine's load.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from pathlib import Path

import pytest

from perfwaterfall.protocol.document import RoundResult, ScenarioInfo
from perfwaterfall.store import bundle as bundles
from perfwaterfall.store.bundle import Bundle, BundleSide
from perfwaterfall.store.machine import MachineInfo
from tests.helpers.cli import run_cli
from tests.unit.builders import HOP_PARTS, PIPELINE, ref

pytestmark = pytest.mark.usefixtures("wide")

RUNNER_A = MachineInfo(
    "AMD EPYC 7763 64-Core Processor", 2, "3.11.7", system="Linux 6.8.0-1017-azure", host_id="0a1b"
)
RUNNER_B = MachineInfo(
    "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz",
    2,
    "3.11.7",
    system="Linux 6.8.0-1017-azure",
    keep_awake="held",
    host_id="9f8e",
)
META = {"python": "3.11.9", "packages": {"numpy": "2.2.6", "pyzmq": "27.1.0"}}
# (name, label, stage ms): the same code on both sides; only the machine differs.
PIPELINES = (
    ("4k_raw", "4K native, 2 filters, raw", (0.5, 6.5, 20.1, 6.6, 0.5)),
    ("480p_raw", "480p, 2 filters, raw", (0.2, 0.4, 8.1, 0.4, 3.1)),
)


def run_round(name: str, label: str, stage_ms: tuple[float, ...], factor: float, seed: int):
    """One round: every stage (and hop 1's parts) scaled by the round's factor."""
    rng = random.Random(seed)
    rows, parts = [], []
    for _ in range(20):
        row = tuple(v * factor * (1 + rng.uniform(-0.002, 0.002)) for v in stage_ms)
        rows.append(row)
        parts.append((row[1] * 0.4, row[1] * 0.6))
    return RoundResult(
        scenario=ScenarioInfo(name, label),
        stages=PIPELINE,
        samples_ms=tuple(rows),
        meta=META,
        substages=HOP_PARTS,
        substage_samples_ms=tuple(parts),
    )


def run_bundle(machine: MachineInfo, offset: float, seed: int, **kw: object) -> Bundle:
    """A one-side bundle as `run --save` writes it: 5 rounds per pipeline, 0.5% round noise."""
    rng = random.Random(seed)
    rounds = {
        name: [
            run_round(name, label, ms, offset * math.exp(rng.gauss(0, 0.005)), seed + i)
            for i in range(5)
        ]
        for name, label, ms in PIPELINES
    }
    fields: dict = dict(
        sides=(BundleSide("run", ref("HEAD", "d4e5f6a", "Same code"), {}, rounds),),
        scenarios=tuple(ScenarioInfo(name, label) for name, label, _ in PIPELINES),
        frames=20,
        warmup=3,
        planned_rounds=5,
        machine=machine,
        command="perf-waterfall run HEAD --save run.json",
    )
    fields.update(kw)
    return Bundle(**fields)


def saved(tmp_path: Path, name: str, bundle: Bundle) -> Path:
    path = tmp_path / name
    bundles.save(bundle, path)
    return path


@pytest.fixture
def across_machines(tmp_path: Path) -> tuple[Path, Path]:
    """Identical code; head ran on a runner 4% slower, with another fingerprint."""
    return (
        saved(tmp_path, "main.json", run_bundle(RUNNER_A, 1.00, seed=1)),
        saved(tmp_path, "head.json", run_bundle(RUNNER_B, 1.04, seed=2)),
    )


def changes(doc: dict) -> list[dict]:
    """Every verdict of a JSON comparison: frame, IPC, stages and sub-stages."""
    found = []
    for sc in doc["scenarios"]:
        found += [sc["frame_ms"], sc["ipc_ms"]]
        found += [st["change"] for st in (*sc["stages"], *sc["substages"]) if st["change"]]
    return found


def test_every_verdict_across_machines_carries_the_warning(across_machines, capsys):
    main, head = across_machines
    code, out, err = run_cli(["show", main, head, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["paired"] is False
    assert doc["unlike"][0].startswith("machines differ: CPU AMD EPYC 7763")
    every = changes(doc)
    assert len(every) == 2 * (2 + 5 + 2)  # frame, IPC, 5 stages, 2 parts per pipeline
    assert all(c["warning"] == "machines differ" for c in every)
    assert all(c["detection"]["pairs"] == 0 for c in every)
    # The offset is real to the rounds: the warning is what keeps it from reading as code.
    assert {sc["frame_ms"]["verdict"] for sc in doc["scenarios"]} == {"slower"}
    assert "separate runs, not alike (machines differ: CPU" in doc["warnings"][0]


def test_the_terminal_and_markdown_say_it_beside_each_verdict(across_machines, capsys):
    main, head = across_machines
    code, out, err = run_cli(["--no-color", "show", main, head], capsys)
    assert code == 0, err
    table = out[out.index("Per pipeline") : out.index("Frame waterfall")]
    for name, _, _ in PIPELINES:
        row = table[table.index(name) :]
        assert "slower" in row and "! machines differ" in row.split("\n\n")[0]
    assert table.count("! machines differ") == len(PIPELINES)
    waterfall = out[out.index("AFTER") : out.index("Warnings")]
    assert "! machines differ" in waterfall  # beside the frame's verdict
    names = ("VideoIn", "hop 1", "serialize", "send", "Detector", "hop 2", "Sink")
    stage_lines = [line for line in waterfall.splitlines() if line[2:].strip().startswith(names)]
    assert len(stage_lines) == 7 and all(line.rstrip(" │").endswith("!") for line in stage_lines)
    assert "separate runs, unpaired" in out
    code, out, err = run_cli(["show", main, head, "--format", "markdown"], capsys)
    assert code == 0, err
    rows = [line for line in out.splitlines() if line.startswith("| **") and "<br>" in line]
    assert len(rows) == len(PIPELINES)
    assert all("**slower**" in row and "! machines differ" in row for row in rows)
    parts = [line for line in out.splitlines() if line.startswith("| **4k\\_raw** | hop 1")]
    assert len(parts) == 2 and all("! machines differ" in line for line in parts)
    machine = "Linux 6.8.0-1017-azure · Python 3.11.9 · numpy 2.2.6 · pyzmq 27.1.0"
    assert f"- Machine: AMD EPYC 7763 64-Core Processor · 2 cores · {machine}" in out


def test_the_gate_fails_across_machines_and_says_so(across_machines, capsys):
    main, head = across_machines
    code, _, err = run_cli(["show", main, head, "--fail-on-regression", "2"], capsys)
    assert code == 3
    assert "regression over 2%: 4k_raw frame time +4" in err
    assert "the gate fails across separate runs that were not alike (machines differ" in err
    assert "CPU AMD EPYC 7763 64-Core Processor (base), Intel(R) Xeon(R)" in err
    code, _, err = run_cli(["show", main, head, "--fail-on-regression", "10"], capsys)
    assert code == 0
    assert "the gate passed across separate runs that were not alike (machines differ" in err


def test_runs_on_one_machine_get_no_warning(tmp_path, capsys):
    main = saved(tmp_path, "main.json", run_bundle(RUNNER_A, 1.0, seed=1))
    head = saved(tmp_path, "head.json", run_bundle(RUNNER_A, 1.0, seed=2))
    code, out, err = run_cli(["show", main, head, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["paired"] is False and doc["unlike"] == [] and doc["warnings"] == []
    assert all(c["warning"] is None for c in changes(doc))
    for fmt in ("terminal", "markdown"):
        code, out, err = run_cli(["--no-color", "show", main, head, "--format", fmt], capsys)
        assert code == 0 and "differ" not in out and "not alike" not in out, err
    code, _, err = run_cli(["show", main, head, "--fail-on-regression", "2"], capsys)
    assert code == 0 and err == ""


def test_other_frames_and_warm_up_are_said_too(tmp_path, capsys):
    main = saved(tmp_path, "main.json", run_bundle(RUNNER_A, 1.0, seed=1))
    other = replace(run_bundle(RUNNER_A, 1.0, seed=2), frames=40, warmup=5)
    head = saved(tmp_path, "head.json", other)
    code, out, err = run_cli(["show", main, head, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["unlike"] == [
        "frames differ: 20 (base), 40 (head)",
        "warm-up differs: 3 (base), 5 (head) frames",
    ]
    assert all(c["warning"] == "frames, warm-up differ" for c in changes(doc))


def test_runs_with_more_rounds_keep_them_all(tmp_path, capsys):
    main = saved(tmp_path, "main.json", run_bundle(RUNNER_A, 1.0, seed=1))
    eight = run_bundle(RUNNER_A, 1.0, seed=3)
    more = {n: rs + rs[:3] for n, rs in eight.sides[0].rounds.items()}
    side = replace(eight.sides[0], rounds=more)
    head = saved(tmp_path, "head.json", replace(eight, sides=(side,), planned_rounds=8))
    code, out, err = run_cli(["show", main, head, "--format", "json"], capsys)
    assert code == 0, err
    frame = json.loads(out)["scenarios"][0]["frame_ms"]
    assert len(frame["base"]["rounds"]) == 5 and len(frame["head"]["rounds"]) == 8
