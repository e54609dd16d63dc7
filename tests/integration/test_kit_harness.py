"""A harness written with the kit, in a real repository: a known slowdown is measured as real."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli
from tests.integration.kit_repo import KIT_HARNESS, kit_repo


@pytest.mark.slow
def test_a_5_ms_slowdown_of_one_stage_is_real(tmp_path: Path, capsys) -> None:
    repo = kit_repo(tmp_path / "kit repo")
    args = ["compare", "base", "HEAD", "--repo", str(repo), "--head-env", "KIT_SLOW_MS=5"]
    code, out, err = run_cli(
        [*args, "--rounds", "5", "--frames", "3", "--warmup", "1", "--format", "json"], capsys
    )
    assert code == 0, err
    (scenario,) = json.loads(out)["scenarios"]
    stages = {st["name"]: st for st in scenario["stages"]}
    assert list(stages) == ["Decode", "hop 1", "Detector"]
    detector = stages["Detector"]["change"]
    assert detector["significant"] and detector["verdict"] == "slower", detector
    assert 4.0 < detector["delta"] < 7.0
    assert scenario["frame_ms"]["verdict"] == "slower"


def test_the_docs_show_this_harness_and_it_is_under_30_lines() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "harness-protocol.md").read_text()
    section = docs.split("## Writing a harness with the kit", 1)[1]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert shown == KIT_HARNESS
    assert len(KIT_HARNESS.splitlines()) < 30


NESTED_HARNESS = '''\
"""A kit harness whose hop is timed in parts; KIT_SLOW_MS slows serialize only."""

import os
import time

from perfwaterfall.kit import Recorder, Scenario, main


def pipeline(rec: Recorder) -> None:
    extra_ms = float(os.environ.get("KIT_SLOW_MS", "0"))
    for _ in rec.frames():
        with rec.stage("Decode"):
            time.sleep(0.001)
        with rec.hop():
            with rec.stage("serialize"):
                time.sleep((1 + extra_ms) / 1000)
            with rec.stage("send"):
                time.sleep(0.001)


if __name__ == "__main__":
    main([Scenario("pipe", pipeline)])
'''


@pytest.mark.slow
def test_a_slowed_part_written_by_the_kit_is_found_on_it_and_its_hop(
    tmp_path: Path, capsys
) -> None:
    repo = kit_repo(tmp_path / "kit repo")
    (repo / "bench.py").write_text(NESTED_HARNESS)  # WORKTREE: uncommitted, copied as is
    args = ["compare", "WORKTREE", "WORKTREE", "--repo", str(repo), "--head-env", "KIT_SLOW_MS=20"]
    code, out, err = run_cli(
        [*args, "--rounds", "5", "--frames", "3", "--warmup", "1", "--format", "json"], capsys
    )
    assert code == 0, err
    (scenario,) = json.loads(out)["scenarios"]
    found = {st["name"]: st["change"] for st in scenario["stages"]}
    found.update(
        {" > ".join([*st["parent"], st["name"]]): st["change"] for st in scenario["substages"]}
    )
    assert list(found) == ["Decode", "hop 1", "hop 1 > serialize", "hop 1 > send"]
    # 20 ms against 1 ms sleeps: one round that a busy machine delays by a few ms
    # cannot hide it (a 4 ms slowdown could be, with 5 pairs).
    for slowed in ("hop 1", "hop 1 > serialize"):
        assert found[slowed]["verdict"] == "slower", found[slowed]
        assert 15.0 < found[slowed]["delta"] < 30.0
    for other in ("Decode", "hop 1 > send"):  # sleep jitter only: nothing of the 20 ms leaks
        assert found[other]["verdict"] != "slower" or found[other]["delta"] < 0.5, found[other]
        assert abs(found[other]["delta"]) < 1.0
