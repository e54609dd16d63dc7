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


# Statistics: sub-stages are judged like stages, never added to the frame.

HOP_PARTS = (Stage("serialize", "ipc", ("hop 1",)), Stage("send", "ipc", ("hop 1",)))


def nested_rounds(serialize_ms: float, n: int = 5, seed: int = 0, parts=HOP_PARTS):
    """Rounds of the builders' pipeline with hop 1 (2 ms) split into serialize and send."""
    from dataclasses import replace

    from tests.unit.builders import rounds

    out = []
    for r in rounds([0.5, 2.0 + serialize_ms - 0.5, 20.0, 1.0, 0.5], n, seed=seed):
        hop = [row[1] for row in r.samples_ms]
        sub = tuple((serialize_ms, h - serialize_ms)[: len(parts)] for h in hop)
        out.append(replace(r, substages=parts, substage_samples_ms=sub))
    return out


def test_sub_stages_never_add_to_the_frame_time():
    from perfwaterfall.analysis.comparison import summarize_round

    (r,) = nested_rounds(0.5, n=1)
    summary = summarize_round(r)
    assert summary.frame_ms == pytest.approx(24.0, abs=0.3)  # not 26: parts are inside hop 1
    assert summary.substage_ms[("hop 1", "serialize")] == 0.5
    assert summary.substage_ms[("hop 1", "send")] == pytest.approx(summary.stage_ms["hop 1"] - 0.5)


def test_a_slower_serialize_is_slower_there_and_on_its_hop_only():
    from perfwaterfall.analysis.comparison import compare_family

    comparison = compare_family(
        [(nested_rounds(0.5, seed=1), nested_rounds(1.5, seed=1))], threshold_pct=2.0
    )
    (sc,) = comparison.scenarios
    assert comparison.design is not None
    assert comparison.design.other_quantities == 1 + 5 + 2  # IPC, stages, sub-stages
    serialize = sc.substage("hop 1", "serialize")
    assert serialize is not None and serialize.change is not None
    assert serialize.change.verdict.value == "slower"
    assert serialize.depth == 1 and sc.children(("hop 1",))[0] is serialize
    significant = {st.path for st in (*sc.stages, *sc.substages) if st.change.significant}
    assert significant == {("hop 1",), ("hop 1", "serialize")}


def test_a_sub_stage_on_one_side_only_has_no_change():
    from perfwaterfall.analysis.comparison import compare_family

    comparison = compare_family(
        [(nested_rounds(0.5, parts=HOP_PARTS[:1]), nested_rounds(0.5))], threshold_pct=2.0
    )
    (sc,) = comparison.scenarios
    send = sc.substage("hop 1", "send")
    assert send is not None and send.change is None and send.base_ms is None
    assert send.head_ms == pytest.approx(1.5, abs=0.1)
    assert [s.path for s in sc.substages] == [("hop 1", "serialize"), ("hop 1", "send")]
