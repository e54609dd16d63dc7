"""Bundles that pair badly: different round counts, nothing in common, nothing complete.

A `show` or `compare` that compares nothing must say so and exit 2: a regression
gate that passes by comparing nothing is worse than one that fails.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from perfwaterfall.cli.app import main
from tests.faults.tools import FAKE

FIXTURES = Path(__file__).parents[1] / "fixtures"
RUN = ["--harness", FAKE, "--frames", "2", "--warmup", "0", "-s", "alpha"]


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_bundle(
    repo: Path, tmp: Path, capsys: pytest.CaptureFixture[str], ref: str, rounds: int, *more: str
) -> Path:
    saved = tmp / f"{ref}-{rounds}.json"
    code, _, err = cli(
        capsys, "run", ref, "--repo", repo, *RUN, "--rounds", rounds, *more, "--save", saved
    )
    assert code == 0, err
    return saved


def test_run_bundles_of_different_round_counts_are_compared_with_every_round(
    fake_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Separate runs are two samples, not pairs: 8 rounds against 5 leaves none out."""
    base = run_bundle(fake_repo, tmp_path, capsys, "v1", 8)
    head = run_bundle(fake_repo, tmp_path, capsys, "HEAD", 5)
    code, out, err = cli(capsys, "show", base, head, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [s["name"] for s in doc["scenarios"]] == ["alpha"]
    frame = doc["scenarios"][0]["frame_ms"]
    assert len(frame["base"]["rounds"]) == 8 and len(frame["head"]["rounds"]) == 5
    assert doc["paired"] is False and frame["detection"]["pairs"] == 0
    code, out, err = cli(capsys, "show", head, base, "--fail-on-regression", "5")
    assert code == 0, err
    assert "alpha" in out


def test_a_gate_over_run_bundles_with_no_scenario_in_common_exits_two(
    fake_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = run_bundle(fake_repo, tmp_path, capsys, "v1", 2)
    head = run_bundle(fake_repo, tmp_path, capsys, "HEAD", 2, "-s", "beta")
    head_doc = json.loads(head.read_text())
    head_doc["scenarios"] = [s for s in head_doc["scenarios"] if s["name"] == "beta"]
    head_doc["sides"][0]["rounds"].pop("alpha")
    head.write_text(json.dumps(head_doc))
    code, _, err = cli(capsys, "show", base, head, "--fail-on-regression", "5")
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("perf-waterfall: "), err
    assert "no scenario" in err


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "json"])
def test_a_bundle_with_no_scenario_measured_in_full_exits_two(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((FIXTURES / "hostile.bundle.json").read_text())
    data["rounds"] = 7  # planned 7, every side holds 5: no scenario complete, and no failure
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data))
    code, _, err = cli(capsys, "show", path, "--format", fmt)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("perf-waterfall: "), err


def test_a_recorded_failure_with_nothing_compared_still_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run failed: that is the news (exit 1), and the failure panel says why."""
    data = copy.deepcopy(json.loads((FIXTURES / "hostile.bundle.json").read_text()))
    data["rounds"] = 7
    data["failure"] = {"message": "head (HEAD), scenario 'weird.name', round 6: boom"}
    path = tmp_path / "failed.json"
    path.write_text(json.dumps(data))
    code, out, err = cli(capsys, "show", path)
    assert code == 1, err
    assert "boom" in out
