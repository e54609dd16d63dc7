"""Strings from outside, as every output shows them: control and bidi characters made visible."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.parsing import parse_results, parse_scenario_list
from perfwaterfall.protocol.sanitize import shown, shown_lines

UNSAFE = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ud800", "\udfff"]
)
DOC: dict[str, Any] = {
    "schema": "perf-waterfall/results@1",
    "scenario": {"name": "alpha", "label": "A", "params": {"k": "v"}},
    "stages": [{"name": "VideoIn", "kind": "filter"}, {"name": "hop", "kind": "ipc"}],
    "samples_ms": [[1.0, 2.0]],
    "meta": {},
}


@pytest.mark.parametrize("char", UNSAFE, ids=[f"U+{ord(c):04X}" for c in UNSAFE])
def test_every_unsafe_character_becomes_a_visible_escape(char: str) -> None:
    code = ord(char)
    expected = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    assert shown(f"a{char}b") == f"a{expected}b"


def test_the_examples_of_the_issue() -> None:
    assert shown("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert shown("abc\u202edef") == "abc\\u202edef"
    assert shown("tab\there\nnext") == "tab\\x09here\\x0anext"


@pytest.mark.parametrize("text", ["", "plain", "ü 日本語 ファイル", "emoji 🎞️ a\u200db", "a\\x1b"])
def test_printable_text_is_left_alone(text: str) -> None:
    assert shown(text) == text


def test_a_stderr_tail_keeps_its_line_breaks() -> None:
    tail = "first \x1b[31mred\x1b[0m\r\nsecond\u202e\rthird\n"
    assert shown_lines(tail) == "first \\x1b[31mred\\x1b[0m\nsecond\\u202e\nthird\n"
    assert shown_lines("a\x0bb\x85c\u2028d") == "a\\x0bb\\x85c\\u2028d"  # not line breaks


def doc_with(**edits: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    for key, value in edits.items():
        doc[key] = value
    return doc


def test_a_results_document_shows_its_strings_escaped() -> None:
    doc = doc_with(
        scenario={
            "name": "alpha",
            "label": "label \x1b]0;t\x07",
            "params": {"key\x1b": ["v\u202e", {"deep\x9b": "x\x00"}], "n": 3},
        },
        stages=[{"name": "Video\x1b[2JIn", "kind": "filter"}, {"name": "hop\n1", "kind": "ipc"}],
        meta={"host\u2066": "name\x7f"},
    )
    result = parse_results(doc)
    assert result.scenario.label == "label \\x1b]0;t\\x07"
    assert result.scenario.params == {"key\\x1b": ["v\\u202e", {"deep\\x9b": "x\\x00"}], "n": 3}
    assert [s.name for s in result.stages] == ["Video\\x1b[2JIn", "hop\\x0a1"]
    assert result.meta == {"host\\u2066": "name\\x7f"}


def test_a_scenario_list_shows_its_labels_escaped() -> None:
    (info,) = parse_scenario_list([{"name": "alpha", "label": "\u202eevil\x1b[5m"}])
    assert info.label == "\\u202eevil\\x1b[5m"


def test_stage_names_that_differ_only_in_control_characters_stay_apart() -> None:
    """``a<ESC>`` is shown as ``a\\x1b``, as a literal ``a\\x1b`` is: the counter keeps them two."""
    stages = [
        {"name": "a\x1b", "kind": "filter"},
        {"name": "a\\x1b", "kind": "filter"},
        {"name": "a", "kind": "ipc"},
        {"name": "a\x00", "kind": "ipc"},
    ]
    result = parse_results(doc_with(stages=stages, samples_ms=[[1.0, 2.0, 3.0, 4.0]]))
    assert [s.name for s in result.stages] == ["a\\x1b", "a\\x1b (2)", "a", "a\\x00"]


def test_meta_keys_that_collide_once_shown_are_refused() -> None:
    with pytest.raises(InvalidDocument, match="twice"):
        parse_results(doc_with(meta={"k\x1b": 1, "k\\x1b": 2}))


def test_params_nested_beyond_reason_are_refused() -> None:
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    with pytest.raises(InvalidDocument, match="nested"):
        parse_results(doc_with(scenario={"name": "alpha", "params": {"deep": deep}}))


@pytest.mark.timeout(30)
def test_duplicate_stage_names_take_linear_time() -> None:
    """100,000 copies of one name: minutes when each new name scanned all earlier ones."""
    n = 100_000
    stages = [{"name": "hop", "kind": "ipc"}] * n
    start = time.perf_counter()
    result = parse_results(doc_with(stages=stages, samples_ms=[[0.0] * n]))
    took = time.perf_counter() - start
    names = [s.name for s in result.stages]
    assert names[:3] == ["hop", "hop (2)", "hop (3)"] and names[-1] == f"hop ({n})"
    assert len(set(names)) == n
    print(f"{n} duplicate stage names parsed in {took:.2f} s")


def test_names_taken_by_counters_are_skipped() -> None:
    stages = [{"name": n, "kind": "filter"} for n in ("x (2)", "x", "x", "x (3)", "x")]
    result = parse_results(doc_with(stages=stages, samples_ms=[[0.0] * 5]))
    assert [s.name for s in result.stages] == ["x (2)", "x", "x (3)", "x (3) (2)", "x (4)"]
