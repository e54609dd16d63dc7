"""Fuzz the loaders: a valid result, or InvalidDocument, and at the CLI never a traceback.

Two kinds of input: arbitrary JSON values and bytes (does the loader refuse junk
cleanly?), and valid documents with a few random edits deep inside (does it refuse
near-misses cleanly, and does everything downstream of a *valid* near-miss, the
statistics and the rendering of ``show``, cope with it?).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfwaterfall.cli.app import main
from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import RoundResult, load_results, loads_json, parse_results
from perfwaterfall.store import bundle as bundles

FIXTURES = Path(__file__).parents[1] / "fixtures"
BUNDLE = json.loads((FIXTURES / "hostile.bundle.json").read_text())
RESULTS = BUNDLE["sides"][0]["rounds"]["weird.name"][0]
# `make faults` looks harder, and somewhere new each run; `make test` replays the same
# examples every run, so CI is reproducible (what fuzzing finds becomes a fixed test).
EXPLORE = os.environ.get("PERF_WATERFALL_FAULTS") == "1"
EXAMPLES = 1500 if EXPLORE else 150
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 1e308, 5e-324, -0.0, "", "NaN", "filter", "ipc", "4k_raw"]),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=10) | st.sampled_from(list(BUNDLE)), inner, max_size=5)
    ),
    max_leaves=30,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON tree (the root included)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def near_misses(draw: st.DrawFn, original: Any) -> Any:
    """``original`` with one to three random edits: a value replaced, a key or item dropped."""
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            return draw(json_values)
        *parent_path, last = path
        parent = doc
        for step in parent_path:
            parent = parent[step]
        if draw(st.booleans()):
            parent[last] = draw(json_values)
        elif isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    return doc


extreme_ms = st.sampled_from([0.0, 5e-324, 1e-300, 1e-3, 1.0, 1e6, 1e300, 1e308])


@st.composite
def semantic_edits(draw: st.DrawFn) -> Any:
    """The bundle with edits aimed where meaning lives: counts, rounds, stages, samples."""
    doc = copy.deepcopy(BUNDLE)
    sides = doc["sides"]
    for _ in range(draw(st.integers(1, 4))):
        side = draw(st.sampled_from(sides))
        rounds = side["rounds"].get("weird.name", [])
        kind = draw(st.integers(0, 9))
        if kind == 0:
            doc[draw(st.sampled_from(["rounds", "frames", "warmup"]))] = draw(st.integers(0, 7))
        elif kind == 1:
            side["rounds"] = {}
        elif kind == 2 and rounds:
            del rounds[draw(st.integers(0, len(rounds) - 1)) :]
        elif kind == 3 and rounds:
            stage = draw(st.sampled_from(draw(st.sampled_from(rounds))["stages"]))
            stage[draw(st.sampled_from(["name", "kind"]))] = draw(
                st.sampled_from(["ipc", "filter", "other", "Video|In", "hop `1`", "new"])
            )
        elif kind == 4 and rounds:
            for row in draw(st.sampled_from(rounds))["samples_ms"]:
                row[:] = [draw(extreme_ms) for _ in row]
        elif kind == 5:
            doc["scenarios"] = draw(
                st.lists(st.sampled_from([{"name": "weird.name"}, {"name": "other"}]), max_size=3)
            )
        elif kind == 6 and len(sides) > 1:
            doc["sides"] = draw(st.sampled_from([sides[:1], [*sides, sides[0]], sides[::-1]]))
            sides = doc["sides"]
        elif kind == 7:
            doc["extra"] = draw(
                st.sampled_from([{"sweep_key": "K"}, {"profile": {}}, {"profile": None}, {}])
            )
        elif kind == 8:
            doc["failure"] = draw(st.sampled_from([None, {"message": "boom"}, {"message": ""}]))
        elif kind == 9 and rounds:
            round_ = draw(st.sampled_from(rounds))
            round_["scenario"]["name"] = draw(st.sampled_from(["other", "weird.name"]))
    return doc


def _check_result(result: RoundResult) -> None:
    assert result.stages and result.samples_ms
    for row in result.samples_ms:
        assert len(row) == len(result.stages)
        assert all(math.isfinite(v) and v >= 0 for v in row)
        assert math.isfinite(sum(row))  # the frame time


@FUZZ
@given(json_values | near_misses(RESULTS))
def test_parse_results_accepts_or_refuses_cleanly(data: Any) -> None:
    try:
        result = parse_results(data)
    except InvalidDocument as exc:
        assert str(exc).startswith("results document: ")
        return
    _check_result(result)


@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_loads_json_decodes_or_refuses_cleanly(raw: bytes) -> None:
    try:
        loads_json(raw, "doc")
    except InvalidDocument as exc:
        assert str(exc).startswith("doc: ")


@FUZZ
@given(
    st.sampled_from(['{"a": ', "[" * 5000, "NaN", "-Infinity", '"\\ud800"', "1e999", "{}" * 3])
    | st.text(alphabet='[]{}",:0123456789.eE-+ntrufalsN\\ u', max_size=60)
)
def test_loads_json_refuses_near_json(text: str) -> None:
    try:
        loads_json(text, "doc")
    except InvalidDocument as exc:
        assert str(exc).startswith("doc: ")


@FUZZ
@given(json_values | near_misses(BUNDLE) | semantic_edits())
def test_bundle_from_dict_accepts_or_refuses_cleanly(data: Any) -> None:
    try:
        loaded = bundles.from_dict(data, "b.json")
    except InvalidDocument as exc:
        assert str(exc).startswith("b.json")
        return
    assert loaded.sides
    for side in loaded.sides:
        for results in side.rounds.values():
            for result in results:
                _check_result(result)


@FUZZ
@given(raw=st.binary(max_size=300) | st.builds(lambda d: json.dumps(d).encode(), json_values))
def test_loading_files_accepts_or_refuses_cleanly(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(raw)
    for load in (load_results, bundles.load):
        with contextlib.suppress(InvalidDocument):
            load(path)


def show(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["show", str(path), *extra])
    _, err = capsys.readouterr()
    return code, err


@FUZZ
@given(
    data=near_misses(BUNDLE) | semantic_edits(),
    fmt=st.sampled_from(["terminal", "markdown", "json"]),
)
def test_show_of_a_fuzzed_bundle_exits_cleanly(
    data: Any, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fuzzed.json"
    path.write_text(json.dumps(data))
    code, err = show(path, capsys, "--format", fmt)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 0:
        return
    lines = err.splitlines()
    if code == 1 and isinstance(data, dict) and data.get("failure"):
        assert len(lines) <= 1, err  # a recorded failure: rendered, and the exit status says so
        return
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("perf-waterfall: "), err
