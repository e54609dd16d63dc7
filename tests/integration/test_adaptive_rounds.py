"""--rounds auto, the four verdicts and calibrate, end to end on a synthetic harness.

The harness (tests/helpers/synthetic_harness.py) makes its stage times up from the
environment, with seeded per-round noise, so every answer here is known.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfwaterfall.cli.app import main
from tests.helpers.gitrepo import build_repo

HARNESS = Path(__file__).parents[1] / "helpers" / "synthetic_harness.py"
PYPROJECT = '[tool.perf-waterfall]\nharness = ["{python}", "synthetic_harness.py"]\n'

QUICK = [
    "compare",
    "HEAD",
    "HEAD",
    "--frames",
    "3",
    "--warmup",
    "0",
    "-s",
    "pipe",
    "--format",
    "json",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_repo(
        tmp_path / "r",
        [
            ("write", "synthetic_harness.py", HARNESS.read_text()),
            ("write", "pyproject.toml", PYPROJECT),
            ("write", ".gitignore", ".synth-*\n"),
            ("commit", "a synthetic harness"),
        ],
    )


def compare(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    out = repo.parent / "out.json"
    saved = f"{out}.bundle"
    code = main([*QUICK, "--repo", str(repo), "-o", str(out), "--save", saved, *args])
    _, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.read_text())


def rounds_of(doc: dict) -> int:
    (scenario,) = doc["scenarios"]
    return len(scenario["frame_ms"]["base"]["rounds"])


def test_auto_stops_at_the_minimum_when_everything_is_decided(repo, capsys, monkeypatch):
    monkeypatch.setenv("SYNTH_NOISE_PCT", "0")
    doc = compare(repo, capsys)
    assert rounds_of(doc) == 5
    assert doc["scenarios"][0]["frame_ms"]["verdict"] == "same"


# Each side draws its own noise (a seed per side); otherwise a pair would cancel exactly.
SEEDS = ("--base-env", "SYNTH_SEED=1", "--head-env", "SYNTH_SEED=2")


def test_auto_adds_rounds_while_undecided_stops_when_futile(repo, capsys, monkeypatch):
    monkeypatch.setenv("SYNTH_NOISE_PCT", "8")
    doc = compare(repo, capsys, "--max-rounds", "11", *SEEDS)
    # 5, then a batch of 3; at 8% noise even 11 rounds could not decide, so it stops
    # there (futility) and says so with the bounds it reached
    assert rounds_of(doc) == 8
    (stopped,) = [w for w in doc["warnings"] if "stopped at 8 rounds" in w]
    assert "even 11 rounds could not decide its frame time" in stopped
    frame = doc["scenarios"][0]["frame_ms"]
    assert frame["verdict"] == "undecided"
    low, high = frame["interval"]["low_pct"], frame["interval"]["high_pct"]
    assert low < 0 < high and high - low > 4  # wider than the ±2% that "same" needs
    assert frame["interval"]["pairs"] == 8
    # The bundle keeps the design, so a later show judges with the same levels.
    bundle = repo.parent / "out.json.bundle"
    shown = repo.parent / "shown.json"
    assert main(["show", str(bundle), "--format", "json", "-o", str(shown)]) == 0
    again = json.loads(shown.read_text())
    assert again["scenarios"] == doc["scenarios"]


def test_a_known_slowdown_is_slower_and_nothing_else_moves(repo, capsys, monkeypatch):
    monkeypatch.setenv("SYNTH_NOISE_PCT", "0.5")
    out = repo.parent / "out.json"
    slowed = ("--head-env", "SCENARIOS_SLOWDOWN=Detector:2")
    code = main([*QUICK, "--repo", str(repo), "-o", str(out), *slowed])
    assert code == 0, capsys.readouterr().err
    (sc,) = json.loads(out.read_text())["scenarios"]
    stages = {s["name"]: s["change"]["verdict"] for s in sc["stages"]}
    assert stages == {"VideoIn": "same", "hop 1": "same", "Detector": "slower"}
    assert sc["frame_ms"]["verdict"] == "slower"  # +2 ms of 23: +8.7%
    assert sc["frame_ms"]["interval"]["low_pct"] > 0


def test_the_gate_acts_only_on_slower(repo, capsys, monkeypatch):
    monkeypatch.setenv("SYNTH_NOISE_PCT", "8")
    args = ["compare", "HEAD", "HEAD", "--repo", str(repo), "--frames", "3", "--warmup", "0"]
    args += ["-s", "pipe", "--rounds", "5", "--base-env", "SYNTH_SEED=1"]
    args += ["--head-env", "SYNTH_SEED=2", "--head-env", "SCENARIOS_SLOWDOWN=Detector:2"]
    assert main([*args, "--fail-on-regression", "1"]) == 0  # undecided frame: no gate
    monkeypatch.setenv("SYNTH_NOISE_PCT", "0.5")
    assert main([*args, "--fail-on-regression", "1"]) == 3  # slower by more than 1%
    capsys.readouterr()


def test_calibrate_counts_aa_and_injected_compares(repo, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTH_NOISE_PCT", "0.5")
    saved = tmp_path / "bundles"
    saved.mkdir()
    quick = [
        "calibrate",
        "HEAD",
        "--runs",
        "2",
        "--frames",
        "3",
        "-s",
        "pipe",
        "--warmup",
        "0",
        "--rounds",
        "5",
    ]
    code = main([*quick, "--slowdown", "Detector:2", "--repo", str(repo), "--save-dir", str(saved)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "A/A 2/2: nothing real" in err
    assert "injected 2/2: pipe frame, pipe Detector real" in err
    lines = [line.split() for line in out.splitlines()]
    aa, noise, injected = [row for row in lines if row[:1] == ["pipe"]]
    # A/A: marked anything 0 of 2, false verdicts 0 of 10 (frame, IPC, 3 stages x 2), and
    # a bound on the rate that 0 of 2 still allows (Clopper-Pearson, 95%: 78%);
    # the noise of the frame time, by component;
    # injected: Detector slower 2 of 2, frame slower 2 of 2, other stages 0 of 2.
    assert aa[1:7] == ["0", "of", "2", "0", "of", "10"]
    assert "a rate of at most 78%" in " ".join(" ".join(row) for row in lines)
    assert len(noise) == 9 and noise[-2:] == ["(ran", "3)"]
    assert injected[1:10] == ["2", "of", "2", "2", "of", "2", "0", "of", "2"]
    assert sorted(p.name for p in saved.iterdir())[:2] == [
        "calibrate-aa-01.json",
        "calibrate-aa-02.json",
    ]


def test_calibrate_refuses_a_bad_slowdown(repo, capsys):
    assert main(["calibrate", "--repo", str(repo), "--slowdown", "Detector"]) == 2
    assert "STAGE:MS" in capsys.readouterr().err
