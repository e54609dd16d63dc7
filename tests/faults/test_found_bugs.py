"""Bugs the fault-injection suite found, pinned where they lived (in process, fast)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.store import bundle as bundles
from tests.faults.tools import FAKE
from tests.helpers.cli import run_cli
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
BUNDLE = json.loads((FIXTURES / "hostile.bundle.json").read_text())
ROUNDS = BUNDLE["sides"][1]["rounds"]["weird.name"]


def edited(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(BUNDLE)
    edit(data)
    return data


def show(data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    code, _, err = run_cli(["show", path, "--format", "json", "-o", tmp_path / "out.json"], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("perf-waterfall: ")
    return err


def test_a_row_whose_frame_time_overflows_is_refused(tmp_path: Path, capsys: Any) -> None:
    """Every value finite, the sum inf: the JSON export died on it ("internal error")."""
    doc = copy.deepcopy(ROUNDS[0])
    doc["samples_ms"][0] = [1e308] * len(doc["stages"])
    with pytest.raises(InvalidDocument, match="sample row 0 sums to more than a float can hold"):
        parse_results(doc)
    data = edited(lambda d: d["sides"][0]["rounds"]["weird.name"].__setitem__(0, doc))
    assert "sums to more than a float can hold" in show(data, tmp_path, capsys)


def test_a_bundle_planning_zero_rounds_is_refused(tmp_path: Path, capsys: Any) -> None:
    """With rounds 0 a scenario without rounds counted as complete: KeyError in `show`."""

    def zero(d: dict[str, Any]) -> None:
        d["rounds"] = 0
        for side in d["sides"]:
            side["rounds"] = {}

    assert "'rounds' must be at least 1, got 0" in show(edited(zero), tmp_path, capsys)


def test_rounds_whose_stages_differ_are_refused(tmp_path: Path, capsys: Any) -> None:
    """Rounds are compared stage by stage: a renamed stage in one round was a KeyError."""

    def rename(d: dict[str, Any]) -> None:
        d["sides"][1]["rounds"]["weird.name"][2]["stages"][0]["name"] = "Renamed"

    with pytest.raises(InvalidDocument, match=r"side 2, weird.name round 3: stages 'Renamed'"):
        bundles.from_dict(edited(rename), "b.json")
    assert "differ from round 1's" in show(edited(rename), tmp_path, capsys)


def test_a_harness_whose_stages_change_between_rounds_fails_that_round(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live: the run used to end in a KeyError after measuring everything."""
    repo = build_repo(tmp_path / "repo", SAMPLE_OPS)
    # Both sides' harness names a stage after its pid: no two rounds agree.
    monkeypatch.setenv("FAKE_MODE", "shifting_stages")
    monkeypatch.setenv("FAKE_SCENARIOS", "alpha")
    saved = tmp_path / "cmp.json"
    args = ["compare", "v1", "HEAD", "--repo", repo, "--harness", FAKE]
    code, _, _ = run_cli(
        [*args, "--rounds", "2", "--frames", "1", "--warmup", "0", "--save", saved], capsys
    )
    assert code == 1
    message = json.loads(saved.read_text())["failure"]["message"]
    assert message.startswith("head (HEAD), scenario 'alpha', round 2: "), message
    assert "stages must not change between rounds" in message


@pytest.mark.timeout(60)
@pytest.mark.parametrize("rung", ["nocopy", "shm"])
def test_the_real_harness_runs_under_a_tmpdir_too_long_for_socket_paths(
    tmp_path: Path, rung: str
) -> None:
    """Every run failed at its first bind (with a traceback) once TMPDIR passed ~80 bytes."""
    long_tmp = tmp_path / ("t" * (120 - len(str(tmp_path))))
    long_tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCENARIOS_")}
    env.update(TMPDIR=str(long_tmp), SCENARIOS_SCALE="0.05", SCENARIOS_TRANSPORT=rung)
    before = set(Path("/tmp").glob("scenarios-*"))
    out = tmp_path / "o.json"
    args = ["run", "--scenario", "480p_raw", "--frames", "2", "--warmup", "0", "--output", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "scenarios", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["meta"]["verified_frames"] == 2
    assert list(long_tmp.iterdir()) == []
    # The fallback directory went too (another run on the machine may hold one for a while).
    deadline = time.monotonic() + 10
    while set(Path("/tmp").glob("scenarios-*")) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(Path("/tmp").glob("scenarios-*")) <= before
