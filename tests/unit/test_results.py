import json

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import SCHEMA_V1
from perfwaterfall.protocol.loading import loads_json
from perfwaterfall.protocol.parsing import parse_results, parse_scenario_list


def doc(**overrides):
    base = {
        "schema": SCHEMA_V1,
        "scenario": {"name": "4k_raw", "label": "4K", "params": {"width": 3840}},
        "stages": [{"name": "VideoIn", "kind": "filter"}, {"name": "hop 1", "kind": "ipc"}],
        "samples_ms": [[0.2, 6.5], [0.1, 6.4]],
        "meta": {"transport": "nocopy"},
        "extra_key_from_the_future": True,
    }
    base.update(overrides)
    return base


def test_valid_document_round_trips():
    result = parse_results(doc())
    assert result.scenario.name == "4k_raw"
    assert result.ipc_indices == (1,)
    assert result.samples_ms == ((0.2, 6.5), (0.1, 6.4))
    assert parse_results(json.loads(json.dumps(result.to_dict()))) == result


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"schema": "perf-waterfall/results@2"}, "perf-waterfall/results@2"),
        ({"scenario": {"name": "Bad Name"}}, "not a valid name"),
        ({"stages": []}, "'stages'"),
        ({"stages": [{"name": "x", "kind": "gpu"}, {"name": "y", "kind": "ipc"}]}, "kind 'gpu'"),
        ({"samples_ms": [[0.1]]}, "row 0"),
        ({"samples_ms": [[0.1, -1.0]]}, "finite and >= 0"),
        ({"samples_ms": [[0.1, "6"]]}, "not a number"),
        ({"samples_ms": [[0.1, True]]}, "not a number"),
        ({"samples_ms": []}, "non-empty"),
        ({"meta": []}, "'meta'"),
    ],
)
def test_invalid_documents_name_the_problem(overrides, fragment):
    with pytest.raises(InvalidDocument, match=None) as info:
        parse_results(doc(**overrides), where="base round 2")
    assert fragment in str(info.value)
    assert str(info.value).startswith("base round 2: ")
    assert "\n" not in str(info.value)


def test_wrong_schema_names_both_versions():
    with pytest.raises(InvalidDocument) as info:
        parse_results(doc(schema="perf-waterfall/results@9"))
    assert "results@9" in str(info.value) and SCHEMA_V1 in str(info.value)


def test_nan_is_refused_when_decoding():
    with pytest.raises(InvalidDocument, match="not valid JSON"):
        loads_json('{"samples_ms": [[NaN]]}', "doc")


def test_repeated_stage_names_are_made_unique():
    result = parse_results(
        doc(stages=[{"name": "hop", "kind": "ipc"}, {"name": "hop", "kind": "ipc"}])
    )
    assert [s.name for s in result.stages] == ["hop", "hop (2)"]


def test_scenario_list_validates_names_and_uniqueness():
    listed = parse_scenario_list([{"name": "a", "label": "A", "more": 1}, {"name": "b"}])
    assert [s.name for s in listed] == ["a", "b"]
    with pytest.raises(InvalidDocument, match="twice"):
        parse_scenario_list([{"name": "a"}, {"name": "a"}])
    with pytest.raises(InvalidDocument, match="array"):
        parse_scenario_list({"name": "a"})
