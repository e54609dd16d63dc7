"""``list`` and ``run`` speak harness-protocol.md, for every pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios.catalog import BY_NAME, SCENARIOS
from tests.scenarios.conftest import NAME, harness, load, validate_results

pytestmark = pytest.mark.slow

EXPECTED = {
    "4k_raw": ["VideoIn", "Detector", "Sink"],
    "4k_jpg": ["VideoIn", "Detector", "Sink"],
    "4k_to_1080p_raw": ["VideoIn", "Detector", "Tracker", "Sink"],
    "4k_to_1080p_jpg": ["VideoIn", "Detector", "Tracker", "Sink"],
    "1080p_raw": ["VideoIn", "Preprocess", "Inference", "Postprocess", "Sink"],
    "480p_raw": ["VideoIn", "Detector", "Tracker", "Sink"],
}


def test_list_is_a_json_array_of_descriptors(tmp_path: Path) -> None:
    proc = harness(tmp_path, "list")
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)
    assert [i["name"] for i in items] == list(EXPECTED)
    for item in items:
        assert NAME.match(item["name"])
        assert isinstance(item["label"], str) and item["label"]
    assert items[0]["label"] == "4K native, 2 filters, raw"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_run_writes_a_valid_results_document(run_tmp: Path, name: str) -> None:
    out = run_tmp / "out.json"
    proc = harness(
        run_tmp, "run", "--scenario", name, "--frames", "3", "--warmup", "2", "--output", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    doc = load(out)
    validate_results(doc, name, frames=3, filters=EXPECTED[name])
    meta = doc["meta"]
    assert meta["transport"] == "nocopy"
    assert meta["work"] == "sleep"
    assert meta["verified_frames"] == 3 + 2
    assert doc["scenario"]["params"]["codec"] == BY_NAME[name].codec


def test_the_catalog_matches_the_issue() -> None:
    work = {s.name: {f.name: f.work_ms for f in s.filters} for s in SCENARIOS}
    assert work["4k_raw"] == {"VideoIn": 0, "Detector": 20, "Sink": 0}
    assert work["4k_to_1080p_raw"] == {"VideoIn": 0.2, "Detector": 15, "Tracker": 5, "Sink": 0}
    assert work["1080p_raw"] == {
        "VideoIn": 0,
        "Preprocess": 2,
        "Inference": 30,
        "Postprocess": 3,
        "Sink": 0,
    }
    assert work["480p_raw"] == {"VideoIn": 0, "Detector": 8, "Tracker": 3, "Sink": 0}
    sizes = {s.name: (s.width, s.height, s.codec) for s in SCENARIOS}
    assert sizes["4k_jpg"] == (3840, 2160, "jpeg")
    assert sizes["4k_to_1080p_jpg"] == (1920, 1080, "jpeg")
    assert sizes["480p_raw"] == (640, 480, "raw")
