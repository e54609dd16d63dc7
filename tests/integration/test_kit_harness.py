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
