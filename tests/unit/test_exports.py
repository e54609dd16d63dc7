"""Markdown and JSON exports from fixture bundles, and the regression gate."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from perfwaterfall.analysis.build import build_report
from perfwaterfall.analysis.gate import regressions
from perfwaterfall.cli.output import exit_code
from perfwaterfall.export.exporters import to_json, to_markdown
from perfwaterfall.export.markdown import escape, fence
from perfwaterfall.store import bundle as bundles
from tests.helpers.golden import assert_golden
from tests.unit.builders import bundle, rounds

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.parametrize("name", ["ladder", "hostile"])
def test_markdown_of_fixture_bundles_is_exact(name):
    report = build_report(bundles.load(FIXTURES / f"{name}.bundle.json"), threshold_pct=2.0)
    text = to_markdown(report)
    assert_golden(FIXTURES / f"{name}.md", text)


def test_hostile_names_stay_inside_their_cells():
    report = build_report(bundles.load(FIXTURES / "hostile.bundle.json"), threshold_pct=2.0)
    rows = [ln for ln in to_markdown(report).splitlines() if ln.startswith("| ")]
    for row in rows:
        unescaped_pipes = re.findall(r"(?<!\\)\|", row)
        assert len(unescaped_pipes) == 7, row  # six cells
    text = to_markdown(report)
    fences = re.findall(r"^(`{3,})text$", text, flags=re.M)
    assert fences and len(fences[0]) > 3  # the label holds ``` so the fence grew


def test_escape_and_fence():
    assert escape("a|b\n`c`") == r"a\|b \`c\`"
    assert fence("x ```` y").startswith("`````text\n")


def test_json_export_carries_verdicts():
    report = build_report(bundles.load(FIXTURES / "ladder.bundle.json"), threshold_pct=2.0)
    doc = json.loads(to_json(report))
    by_name = {s["name"]: s for s in doc["scenarios"]}
    assert by_name["4k_raw"]["frame_ms"]["verdict"] == "faster"
    assert by_name["480p_raw"]["frame_ms"]["verdict"] == "same"
    hop1 = next(s for s in by_name["4k_raw"]["stages"] if s["name"] == "hop 1")
    assert hop1["change"]["significant"] is True


PIPE = [0.02, 6.5, 20.0, 6.5, 0.02]


def gate_report(base_stage_ms, head_stage_ms):
    b = bundle({"4k_raw": rounds(base_stage_ms, seed=1)}, {"4k_raw": rounds(head_stage_ms, seed=2)})
    return build_report(b, threshold_pct=2.0)


def test_gate_trips_on_a_significant_regression_over_its_percentage(capsys):
    report = gate_report(PIPE, [0.02, 9.0, 20.0, 9.0, 0.02])  # hops 6.5 -> 9 ms
    found = regressions(report.comparison, 10.0)
    assert any("frame time" in f for f in found) and any("IPC overhead" in f for f in found)
    assert exit_code(report, 10.0) == 3
    assert "4k_raw" in capsys.readouterr().err
    assert exit_code(report, 80.0) == 0  # IPC +38%, frame +15%: under 80%
    assert exit_code(report, None) == 0


def test_gate_ignores_noise_and_improvements():
    assert exit_code(gate_report(PIPE, PIPE), 0.0) == 0
    assert exit_code(gate_report(PIPE, [0.02, 3.0, 20.0, 3.0, 0.02]), 0.0) == 0


def test_a_failed_run_exits_one_before_the_gate():
    report = replace(gate_report(PIPE, [0.02, 9.0, 20.0, 9.0, 0.02]), failure=None)
    from perfwaterfall.store.bundle import Failure

    assert exit_code(replace(report, failure=Failure("boom")), 1.0) == 1


def test_a_commit_entry_of_the_wrong_shape_is_an_invalid_bundle():
    from perfwaterfall.errors import InvalidDocument
    from perfwaterfall.store.bundle import from_dict, to_dict

    data = to_dict(bundles.load(FIXTURES / "ladder.bundle.json"))
    data["commits"] = [["only a subject"]]  # found by the fuzzer: was an IndexError
    with pytest.raises(InvalidDocument, match="a commit is"):
        from_dict(data, "b.json")
