"""Nested stages in the results document: read, refused, written back (harness-protocol.md)."""

import json

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import SCHEMA_V1, Stage
from perfwaterfall.protocol.parsing import parse_results
from tests.unit.builders import HOP_PARTS, nested_rounds


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
    assert serialize.depth == 1 and serialize.parent == ("hop 1",)
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


# Showing them: which rows unfold, the waterfall, markdown and JSON.


def slower_serialize(**kw):
    from perfwaterfall.analysis.comparison import compare_family

    return compare_family(
        [(nested_rounds(0.5, seed=1, **kw), nested_rounds(1.5, seed=1, **kw))], threshold_pct=2.0
    )


def paths_shown(sc, mode):
    from perfwaterfall.present.substages import rows_in_order

    return [st.path for st in rows_in_order(sc, mode)]


TOP = [("VideoIn",), ("hop 1",), ("Detector",), ("hop 2",), ("Sink",)]
UNFOLDED = [("VideoIn",), ("hop 1",), ("hop 1", "serialize"), ("hop 1", "send"), *TOP[2:]]


def test_only_a_stage_whose_parts_changed_unfolds_by_default():
    from perfwaterfall.analysis.comparison import compare_family

    (sc,) = slower_serialize().scenarios
    assert paths_shown(sc, "changed") == UNFOLDED
    assert paths_shown(sc, "all") == UNFOLDED
    assert paths_shown(sc, "none") == TOP
    (same,) = compare_family(
        [(nested_rounds(0.5, seed=1), nested_rounds(0.5, seed=1))], threshold_pct=2.0
    ).scenarios
    assert paths_shown(same, "changed") == TOP
    assert paths_shown(same, "all") == UNFOLDED


def test_a_change_two_levels_down_unfolds_every_level_above_it():
    from dataclasses import replace

    (sc,) = slower_serialize().scenarios
    # Move the changed part one level down, under an unchanged 'send'.
    deeper = replace(
        sc.substages[0], parent=("hop 1", "send")
    )  # ('hop 1', 'send', 'serialize') slower
    sc = replace(sc, substages=(sc.substages[1], deeper))
    assert paths_shown(sc, "changed") == [
        ("VideoIn",),
        ("hop 1",),
        ("hop 1", "send"),
        ("hop 1", "send", "serialize"),
        *TOP[2:],
    ]


def waterfall(comparison, mode="changed"):
    from perfwaterfall.render.terminal import waterfall_text
    from tests.unit.builders import report

    text = waterfall_text(report(comparison, substages=mode), 100)
    assert text is not None
    return text


def test_the_waterfall_indents_parts_under_their_hop_with_their_own_verdict():
    text = waterfall(slower_serialize())
    after = text[text.index("AFTER") :]
    serialize = next(line for line in after.splitlines() if "  serialize" in line)
    send = next(line for line in after.splitlines() if "  send" in line)
    assert "+200.0%" in serialize and "~" in send
    assert "│   serialize" in serialize  # indented two cells under 'hop 1'
    assert "indented: parts of the stage above" in text
    folded = waterfall(slower_serialize(), "none")
    assert "serialize" not in folded and "2 parts folded" in folded


def test_a_waterfall_without_parts_says_nothing_about_them():
    from tests.unit.builders import ladder_comparison

    text = waterfall(ladder_comparison())
    assert "folded" not in text and "indented" not in text


def test_markdown_and_json_carry_the_nesting():
    from perfwaterfall.export.json_export import to_json
    from perfwaterfall.export.markdown import to_markdown
    from tests.unit.builders import report

    rep = report(slower_serialize())
    markdown = to_markdown(rep)
    assert "│   serialize" in markdown  # the waterfall, unfolded
    assert "| **4k\\_raw** | hop 1 › serialize | 0.500 → 1.50 | **+1.00 ms +200.0%** |" in markdown
    assert "hop 1 › send" not in markdown  # the table lists the parts that moved
    (sc,) = json.loads(to_json(rep))["scenarios"]
    assert [(s["parent"], s["name"], s["change"]["verdict"]) for s in sc["substages"]] == [
        (["hop 1"], "serialize", "slower"),
        (["hop 1"], "send", "same"),
    ]


def test_a_hostile_nesting_depth_is_read_and_drawn_without_recursion():
    """Far deeper than Python's recursion limit: every walk over the nesting is a loop."""
    from perfwaterfall.analysis.comparison import compare_family

    depth = 1500
    subs = [{"name": "p", "kind": "ipc", "parent": ["hop 1"] + ["p"] * i} for i in range(depth)]
    result = parse_results(nested(substages=subs, substage_samples_ms=[[0.1] * depth] * 2))
    assert result.substages[-1].depth == depth
    comparison = compare_family([([result] * 2, [result] * 2)], threshold_pct=2.0)
    text = waterfall(comparison, "all")
    assert text.count("  p ") == 2 * depth  # BEFORE and AFTER, indentation capped


def test_a_sweep_shows_each_hop_by_part_next_to_the_whole_hop():
    from dataclasses import replace

    from perfwaterfall.analysis.build import build_sweep
    from perfwaterfall.export.markdown import sweep_to_markdown
    from perfwaterfall.present import sweep_by_value
    from perfwaterfall.present.tables import Mark, Value
    from perfwaterfall.render.sweep import print_sweep
    from perfwaterfall.render.terminal import plain_text
    from perfwaterfall.store.bundle import BundleSide
    from tests.unit.builders import bundle, ref

    rungs = [("copy", 1.5), ("memoryview", 0.5), ("copy", 1.5)]
    sides = tuple(
        BundleSide(f"v{i}", ref("HEAD", "d4e5f6a", "s"), {"T": value}, {"4k_raw": rounds})
        for i, (value, rounds) in enumerate(
            (value, nested_rounds(ms, seed=1)) for value, ms in rungs
        )
    )
    two = bundle({"4k_raw": sides[0].rounds["4k_raw"]}, {"4k_raw": sides[1].rounds["4k_raw"]})
    sweep = build_sweep(replace(two, sides=sides), key="T", threshold_pct=2.0)
    (hop,) = sweep_by_value.sweep_parts(sweep, "4k_raw")  # hop 2 has no parts: no table
    assert hop.title == "4k_raw · hop 1 by part · sweep of T"
    assert [c.header for c in hop.columns] == ["T", "hop 1 (whole)", "serialize", "send"]
    first, memoryview, again = hop.rows
    assert first == (Value("copy"), Value("3.00"), Value("1.50"), Value("1.50"))
    assert memoryview[0] == Value("memoryview")
    assert memoryview[1] == Mark("2.00 -33.3%", "faster")
    assert memoryview[2] == Mark("0.500 -66.7%", "faster")
    assert memoryview[3].verdict == "same"
    assert again[2] == Mark("1.50 ~ 0.0%", "same")
    text = plain_text(lambda console: print_sweep(console, sweep), 120)
    assert "hop 1 by part" in text and "hop 1 (whole)" in text
    assert "*4k\\_raw · hop 1 by part · sweep of T*" in sweep_to_markdown(sweep)


def test_bundles_keep_sub_stages_and_refuse_rounds_that_disagree_on_them():
    from perfwaterfall.store import bundle as bundles
    from tests.unit.builders import bundle

    saved = bundles.to_dict(bundle({"4k_raw": nested_rounds(0.5)}, {"4k_raw": nested_rounds(1.5)}))
    loaded = bundles.from_dict(json.loads(json.dumps(saved)), "b.json")
    assert loaded.sides[1].rounds["4k_raw"][0].substages == HOP_PARTS
    third = saved["sides"][0]["rounds"]["4k_raw"][2]
    third["substages"] = third["substages"][:1]
    third["substage_samples_ms"] = [row[:1] for row in third["substage_samples_ms"]]
    with pytest.raises(InvalidDocument) as info:
        bundles.from_dict(saved, "b.json")
    assert "4k_raw round 3" in str(info.value) and "'hop 1' > 'send' (ipc)" in str(info.value)
