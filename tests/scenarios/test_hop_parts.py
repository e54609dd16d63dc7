"""Every hop's inner parts, as sub-stages: named per codec, summing to the hop, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfwaterfall.protocol.parsing import parse_results
from scenarios.hop_parts import JPEG_PARTS, RAW_PARTS, hop_parts
from tests.scenarios.conftest import harness

pytestmark = pytest.mark.slow


def test_the_parts_of_a_hop_cover_it_exactly_and_keep_the_checksums_out() -> None:
    # Sender checksum 7 ns after encoding; receiver checksum 5 ns after the view.
    ts, ex_s, ex_r = 1000, 7, 5
    stamps = dict(serialized=1100, ready=1400, arrived=1450, viewed=1470, ended=1600)
    jpeg = hop_parts(jpeg=True, started=ts + ex_s, encoded=1050 + ex_s, excluded=ex_r, **stamps)
    assert dict(zip(JPEG_PARTS, jpeg, strict=True)) == {
        "encode": 50,
        "serialize": 43,
        "send": 300,
        "receive": 50,
        "view": 20,
        "decode": 125,
    }
    hop = stamps["ended"] - ts - ex_s - ex_r
    assert sum(jpeg) == hop
    raw = hop_parts(jpeg=False, started=ts, encoded=ts, excluded=0, **stamps)
    assert dict(zip(RAW_PARTS, raw, strict=True)) == {
        "serialize": 100,
        "send": 300,
        "receive": 50,
        "view": 150,
    }


@pytest.mark.parametrize(
    ("scenario", "transport", "parts"),
    [
        ("480p_raw", "nocopy", RAW_PARTS),
        ("480p_raw", "copy", RAW_PARTS),
        ("480p_raw", "shm-loan", RAW_PARTS),
        ("4k_jpg", "shm", JPEG_PARTS),
    ],
)
def test_every_hop_records_its_parts(tmp_path: Path, scenario, transport, parts) -> None:
    out = tmp_path / "doc.json"
    args = ["run", "--scenario", scenario, "--frames", "3", "--warmup", "1", "--output", str(out)]
    proc = harness(tmp_path, *args, SCENARIOS_TRANSPORT=transport)
    assert proc.returncode == 0, proc.stderr
    result = parse_results(json.loads(out.read_text()))
    hops = [s.name for s in result.stages if s.kind == "ipc"]
    assert [s.path for s in result.substages] == [(h, p) for h in hops for p in parts]
    assert all(s.kind == "ipc" for s in result.substages)
    for row, sub_row in zip(result.samples_ms, result.substage_samples_ms, strict=True):
        by_stage = dict(zip([s.name for s in result.stages], row, strict=True))
        for k, hop in enumerate(hops):
            inside = sub_row[k * len(parts) : (k + 1) * len(parts)]
            # Each value is rounded to the nanosecond: the sum may be off by one per part.
            assert sum(inside) == pytest.approx(by_stage[hop], abs=1e-6 * len(parts))
