"""Nested stages in the results document: read, refused, written back (harness-protocol.md)."""

import json

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import SCHEMA_V1, Stage, parse_results


def nested(**overrides):
    """The lead's example: sub-stages under hop 1, one two levels deep."""
    base = {
        "schema": SCHEMA_V1,
        "scenario": {"name": "pipe"},
        "stages": [
            {"name": "VideoIn", "kind": "filter"},
            {"name": "hop 1", "kind": "ipc"},
            {"name": "Detector", "kind": "filter"},
        ],
        "samples_ms": [[0.01, 7.2, 8.1], [0.02, 7.0, 8.0]],
        "substages": [
            {"name": "serialize", "kind": "ipc", "parent": "hop 1"},
            {"name": "send", "kind": "ipc", "parent": ["hop 1"]},
            {"name": "kernel copy", "kind": "ipc", "parent": ["hop 1", "send"]},
        ],
        "substage_samples_ms": [[1.1, 5.0, 4.2], [1.0, 4.9, 4.1]],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_sub_stages_are_read_with_their_paths():
    result = parse_results(nested())
    assert [s.path for s in result.substages] == [
        ("hop 1", "serialize"),
        ("hop 1", "send"),
        ("hop 1", "send", "kernel copy"),
    ]
    assert [s.depth for s in result.substages] == [1, 1, 2]
    assert result.substage_samples_ms == ((1.1, 5.0, 4.2), (1.0, 4.9, 4.1))
    # The frame is still the top-level row alone.
    assert result.stages[1] == Stage("hop 1", "ipc")
    assert result.samples_ms[0] == (0.01, 7.2, 8.1)


def test_nested_documents_round_trip_and_plain_ones_gain_no_keys():
    result = parse_results(nested())
    again = json.loads(json.dumps(result.to_dict()))
    assert again["substages"][0]["parent"] == "hop 1"
    assert again["substages"][2]["parent"] == ["hop 1", "send"]
    assert parse_results(again) == result
    plain = parse_results(nested(substages=None, substage_samples_ms=None))
    assert plain.substages == ()
    assert "substages" not in plain.to_dict()
    assert "substage_samples_ms" not in plain.to_dict()


def test_the_same_name_may_sit_under_two_parents():
    doc = nested(
        stages=[{"name": "hop 1", "kind": "ipc"}, {"name": "hop 2", "kind": "ipc"}],
        samples_ms=[[1.0, 2.0]],
        substages=[
            {"name": "serialize", "kind": "ipc", "parent": "hop 1"},
            {"name": "serialize", "kind": "ipc", "parent": "hop 2"},
        ],
        substage_samples_ms=[[0.5, 0.7]],
    )
    assert [s.path for s in parse_results(doc).substages] == [
        ("hop 1", "serialize"),
        ("hop 2", "serialize"),
    ]


def test_rounds_with_other_sub_stages_have_another_layout():
    one = parse_results(nested())
    other = parse_results(
        nested(
            substages=[{"name": "serialize", "kind": "ipc", "parent": "hop 1"}],
            substage_samples_ms=[[1.0], [1.0]],
        )
    )
    assert one.stages == other.stages
    assert one.layout != other.layout


SUB = {"name": "serialize", "kind": "ipc", "parent": "hop 1"}


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"substage_samples_ms": None}, "'substages' needs 'substage_samples_ms'"),
        ({"substages": None}, "'substage_samples_ms' needs 'substages'"),
        ({"substages": {"a": 1}}, "'substages' must be an array"),
        ({"substages": [{"kind": "ipc", "parent": "hop 1"}]}, "sub-stage 0 must be an object"),
        ({"substages": [{**SUB, "kind": "gpu"}]}, "kind 'gpu'"),
        ({"substages": [{**SUB, "parent": "hop 9"}]}, "parent 'hop 9', which is neither"),
        ({"substages": [{**SUB, "parent": ["hop 1", "send"]}]}, "'hop 1' > 'send'"),
        ({"substages": [{**SUB, "parent": []}]}, "needs a 'parent'"),
        ({"substages": [{**SUB, "parent": 3}]}, "needs a 'parent'"),
        ({"substages": [{"name": "serialize", "kind": "ipc"}]}, "needs a 'parent'"),
        ({"substages": [SUB, SUB]}, "'serialize' appears twice under 'hop 1'"),
        (
            {
                "substages": [
                    {"name": "kernel copy", "kind": "ipc", "parent": ["hop 1", "send"]},
                    {"name": "send", "kind": "ipc", "parent": "hop 1"},
                ]
            },
            "listed before it",
        ),
        ({"substage_samples_ms": [[1.1, 5.0, 4.2]]}, "has 1 rows, 'samples_ms' has 2"),
        ({"substage_samples_ms": "x"}, "'substage_samples_ms' must be"),
        ({"substage_samples_ms": [[1.1, 5.0], [1.0, 4.9, 4.1]]}, "sub-stage row 0 must be"),
        ({"substage_samples_ms": [[1.1, 5.0, -4.2], [1, 1, 1]]}, "finite and >= 0"),
        ({"substage_samples_ms": [[1.1, 5.0, True], [1, 1, 1]]}, "not a number"),
        ({"substage_samples_ms": [[1.1, 5.0, 10**400], [1, 1, 1]]}, "finite and >= 0"),
    ],
)
def test_bad_sub_stages_are_refused_in_one_line(overrides, fragment):
    with pytest.raises(InvalidDocument) as info:
        parse_results(nested(**overrides), where="head, pipe round 3")
    message = str(info.value)
    assert message.startswith("head, pipe round 3: ")
    assert fragment in message
    assert "\n" not in message


def test_sub_stage_names_are_shown_not_obeyed():
    doc = nested(
        substages=[{"name": "ser\x1b[2Jialize", "kind": "ipc", "parent": "hop 1"}],
        substage_samples_ms=[[1.0], [1.0]],
    )
    (sub,) = parse_results(doc).substages
    assert "\x1b" not in sub.name
