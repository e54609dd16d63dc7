"""What the fuzzers feed the loaders: JSON junk, near-misses of a valid bundle, and edits
aimed where meaning lives (counts, stages, samples, profiles, strings from outside).

Values reach where a float cannot follow (400-digit integers, infinities, NaN, zero and
subnormal medians, a profile's rate or frames of 0 or 1e999), and any string may hold
control and bidi characters.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"
BUNDLE = json.loads((FIXTURES / "hostile.bundle.json").read_text())
RESULTS = BUNDLE["sides"][0]["rounds"]["weird.name"][0]


def _nested(bundle: dict[str, Any]) -> dict[str, Any]:
    """The hostile bundle with hostile sub-stages in every round: a parent named by its
    raw text (matched once shown), two levels, and head's serialize twice as slow."""
    doc = copy.deepcopy(bundle)
    for i, side in enumerate(doc["sides"]):
        for result in side["rounds"]["weird.name"]:
            result["substages"] = [
                {"name": "ser\x1b[2Jialize", "kind": "ipc", "parent": "hop `1`"},
                {"name": "kernel|copy", "kind": "other", "parent": ["hop `1`", "ser\x1b[2Jialize"]},
            ]
            result["substage_samples_ms"] = [[0.2 * (i + 1), 0.1] for _ in result["samples_ms"]]
    return doc


NESTED_BUNDLE = _nested(BUNDLE)
NESTED_RESULTS = NESTED_BUNDLE["sides"][0]["rounds"]["weird.name"][0]

# C0 (ESC, BEL, NUL, newline...), DEL, C1 (CSI), bidi marks/overrides/isolates, separators,
# lone surrogates: what a harness, git or a hand-edited bundle can put in any string.
CONTROLS = "\x00\x07\t\n\r\x1b\x7f\x85\x9b\u061c\u200e\u200f\u2028\u202a\u202e\u2066\u2069\ud800"
texts = st.text(st.sampled_from(CONTROLS) | st.characters(), max_size=20) | st.sampled_from(
    ["\x1b]0;pwned\x07", "\x1b[2J", "a\\x1b", "\u202eevil", "weird.name\n"]
)
# Beyond a float: 400 digits, 2**1024; infinities and NaN (a bundle's 1e999 decodes to inf).
unfloatable = st.sampled_from([10**400, -(10**400), 2**1024, math.inf, -math.inf, math.nan])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    unfloatable,
    st.sampled_from([0, -1, 1e308, 5e-324, -0.0, "", "NaN", "filter", "ipc", "4k_raw"]),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(texts | st.sampled_from(list(BUNDLE)), inner, max_size=5)
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


extreme_ms = st.sampled_from([0.0, 5e-324, 1e-300, 1e-3, 1.0, 1e6, 1e300, 1e308]) | unfloatable
tiny_ms = st.sampled_from([0.0, 5e-324, 1e-300, 1e-12])  # zero and near-zero medians
counts = st.integers(-2, 3) | unfloatable | st.sampled_from([250, 10**6 + 1, 2**53 + 1, 1.5, "9"])


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A bundle's profile with any rate, frames and counts: movers divide by the first two."""

    def side() -> dict[str, Any]:
        stacks = draw(st.lists(st.lists(texts, min_size=1, max_size=3), max_size=3))
        folded = [[stack, draw(counts)] for stack in stacks]
        return {"frames": draw(counts), "svg": draw(texts), "folded": folded}

    problems = draw(st.lists(texts, max_size=2))
    return {
        "rate": draw(counts),
        "problems": problems,
        "scenarios": {"weird.name": [side(), side()]},
    }


CHECKED = ("format", "schema", "kind", "name")  # strings refused when wrong, not shown


def _poison(draw: st.DrawFn, doc: Any) -> None:
    """Control characters into one shown string of ``doc``, or free-form keys (env, params,
    meta); names and kinds get theirs from ``near_misses``."""
    paths = [p for p in _paths(doc) if p and p[-1] not in CHECKED and isinstance(_at(doc, p), str)]
    in_place: bool = draw(st.booleans())
    if paths and in_place:
        *parent, last = draw(st.sampled_from(paths))
        _at(doc, tuple(parent))[last] += draw(texts)
    else:
        side = draw(st.sampled_from(doc["sides"]))
        free = st.dictionaries(texts, texts, max_size=3)
        side["env"] = draw(free)
        for result in side["rounds"].get("weird.name", [])[:1]:
            result["meta"], result["scenario"]["params"] = draw(free), draw(free)


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def semantic_edits(draw: st.DrawFn) -> Any:
    """The bundle with edits aimed where meaning lives: counts, rounds, stages, samples."""
    doc = copy.deepcopy(BUNDLE)
    sides = doc["sides"]
    for _ in range(draw(st.integers(1, 4))):
        side = draw(st.sampled_from(sides))
        rounds = side["rounds"].get("weird.name", [])
        kind = draw(st.integers(0, 12))
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
        elif kind == 10:  # one stage near zero in every round: a zero or subnormal median
            column, value = draw(st.integers(0, 2)), draw(tiny_ms)
            for s in draw(st.sampled_from([sides, [side]])):
                for result in s["rounds"].get("weird.name", []):
                    for row in result["samples_ms"]:
                        row[column % len(row)] = value
        elif kind == 11:
            doc["extra"] = {"profile": draw(profiles())}
        elif kind == 12:
            _poison(draw, doc)
    return doc


@st.composite
def poisoned(draw: st.DrawFn) -> Any:
    """The bundle, valid but for control characters in one to five of its shown strings."""
    doc = copy.deepcopy(BUNDLE)
    for _ in range(draw(st.integers(1, 5))):
        _poison(draw, doc)
    return doc
