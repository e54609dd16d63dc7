"""The results document shown in docs/harness-protocol.md is one this perf-waterfall reads."""

import json
from pathlib import Path

from perfwaterfall.analysis.comparison import summarize_round
from perfwaterfall.protocol.parsing import parse_results

DOCS = Path(__file__).resolve().parents[2] / "docs" / "harness-protocol.md"


def test_the_documented_results_document_is_valid_and_its_parts_sit_inside_their_hops():
    section = DOCS.read_text().split("## Results document", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    result = parse_results(json.loads(example))
    assert [s.name for s in result.stages][:2] == ["VideoIn", "hop 1"]
    assert {s.parent for s in result.substages} == {("hop 1",), ("hop 2",), ("hop 3",)}
    summary = summarize_round(result)
    for hop in ("hop 1", "hop 2", "hop 3"):
        parts = sum(v for path, v in summary.substage_ms.items() if path[0] == hop)
        assert parts <= summary.stage_ms[hop] * 1.05
