"""Fuzz the loaders: a valid result, or InvalidDocument, and at the CLI never a traceback.

Two kinds of input: arbitrary JSON values and bytes (does the loader refuse junk
cleanly?), and valid documents with a few random edits deep inside (does it refuse
near-misses cleanly, and does everything downstream of a *valid* near-miss, the
statistics and the rendering of ``show``, cope with it?). Values reach where a float
cannot follow (400-digit integers, infinities, NaN, zero and subnormal medians, a
profile's rate or frames of 0 or 1e999), and every string may hold control and bidi
characters, which nothing accepted may keep raw and no output may show raw.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from perfwaterfall.cli.app import main
from perfwaterfall.errors import InvalidDocument
from perfwaterfall.flamegraph.svg import to_svg
from perfwaterfall.flamegraph.tree import diff_flamegraph
from perfwaterfall.profile.movers import movers
from perfwaterfall.profile.rounds import ProfileData
from perfwaterfall.protocol.document import RoundResult
from perfwaterfall.protocol.loading import load_results, loads_json
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.protocol.sanitize import UNSAFE
from perfwaterfall.store import bundle as bundles
from tests.faults.fuzz_inputs import (
    BUNDLE,
    NESTED_BUNDLE,
    NESTED_RESULTS,
    RESULTS,
    json_values,
    near_misses,
    poisoned,
    profiles,
    semantic_edits,
)

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


def _check_result(result: RoundResult) -> None:
    assert result.stages and result.samples_ms
    for row in result.samples_ms:
        assert len(row) == len(result.stages)
        assert all(math.isfinite(v) and v >= 0 for v in row)
        assert math.isfinite(sum(row))  # the frame time
    assert len(result.substage_samples_ms) == (len(result.samples_ms) if result.substages else 0)
    for row in result.substage_samples_ms:
        assert len(row) == len(result.substages)
        assert all(math.isfinite(v) and v >= 0 for v in row)
    assert_shown(result.to_dict())


def assert_shown(value: Any, lines: str = "") -> None:
    """No string of ``value`` (keys too) holds a raw control character but ``lines``' breaks."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert_shown(k)
            assert_shown(v, "\n" if k == "stderr_tail" else "")
    elif isinstance(value, list):
        for v in value:
            assert_shown(v, lines)
    elif isinstance(value, str):
        raw = [c for c in UNSAFE.findall(value) if c not in lines]
        assert not raw, value
    else:
        assert not isinstance(value, float) or math.isfinite(value), value


@FUZZ
@given(json_values | near_misses(RESULTS) | near_misses(NESTED_RESULTS))
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
@given(
    json_values | near_misses(BUNDLE) | near_misses(NESTED_BUNDLE) | semantic_edits() | poisoned()
)
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
    assert_shown(bundles.to_dict(loaded))
    json.dumps(bundles.to_dict(loaded), allow_nan=False)  # what `save` does


@FUZZ
@given(profiles())
def test_a_profile_is_refused_or_gives_finite_movers(data: Any) -> None:
    try:
        profile = ProfileData.from_dict(data)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return
    base, head = profile.sides["weird.name"]
    found = movers(base.samples(profile.rate), head.samples(profile.rate))
    for mover in (*found.by_self, *found.by_total):
        assert math.isfinite(mover.base_ms) and math.isfinite(mover.head_ms), mover
        assert math.isfinite(mover.uncertainty_ms), mover
    assert_shown([list(stack) for stack in (*base.folded, *head.folded)])
    # the differential flamegraph of any stacks is well-formed XML: names stay data
    diff = diff_flamegraph(
        "weird.name", ("b", "h"), base.samples(profile.rate), head.samples(profile.rate), ()
    )
    ET.fromstring(to_svg(diff).split("\n", 1)[1])


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
    out, err = capsys.readouterr()
    assert_shown([out, err], "\n")  # no output shows a raw control character
    return code, err


def _dumps(data: Any) -> str:
    """JSON as a file may hold it: infinities written ``1e999`` reach the loader as inf."""
    return json.dumps(data).replace("Infinity", "1e999")


@FUZZ
@given(
    data=near_misses(BUNDLE) | near_misses(NESTED_BUNDLE) | semantic_edits() | poisoned(),
    fmt=st.sampled_from(["terminal", "markdown", "json"]),
)
def test_show_of_a_fuzzed_bundle_exits_cleanly(
    data: Any, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fuzzed.json"
    path.write_text(_dumps(data))
    code, err = show(path, capsys, "--format", fmt)
    event(f"exit {code}")  # --hypothesis-show-statistics: how many were rendered
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 0:
        return
    lines = err.splitlines()
    if code == 1 and isinstance(data, dict) and data.get("failure"):
        assert len(lines) <= 1, err  # a recorded failure: rendered, and the exit status says so
        return
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("perf-waterfall: "), err
