"""Validate a decoded results document into a RoundResult (docs/harness-protocol.md).

Validation is strict about what we interpret (stages, samples) and lenient about
what we only show (params, meta) or do not know (extra top-level keys). Every
string kept is ``shown`` (sanitize.py): control characters become visible escapes.
"""

from __future__ import annotations

import math
from typing import Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import (
    SCENARIO_NAME,
    STAGE_KINDS,
    SUPPORTED_SCHEMAS,
    RoundResult,
    ScenarioInfo,
    Stage,
)
from perfwaterfall.protocol.naming import path_text, unique_name
from perfwaterfall.protocol.sanitize import number_text, shown, shown_tree


def invalid(where: str, what: str) -> InvalidDocument:
    """The one-line error for a bad document, saying where it came from."""
    return InvalidDocument(f"{where}: {what}")


def parse_scenario_list(data: Any, where: str = "scenario list") -> tuple[ScenarioInfo, ...]:
    """Validate the output of ``HARNESS list``."""
    if not isinstance(data, list):
        raise invalid(where, "expected a JSON array of scenario descriptors")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise invalid(where, f"item {i} is not an object with a string 'name'")
        name = item["name"]
        if not SCENARIO_NAME.match(name):
            raise invalid(where, f"scenario name {name!r} does not match [a-z0-9][a-z0-9_.-]*")
        if name in seen:
            raise invalid(where, f"scenario name {name!r} appears twice")
        seen.add(name)
        out.append(ScenarioInfo(name=name, label=_shown_label(item.get("label", ""), where)))
    return tuple(out)


def parse_results(data: Any, where: str = "results document") -> RoundResult:
    """Validate one results document (already decoded from JSON)."""
    if not isinstance(data, dict):
        raise invalid(where, "expected a JSON object")
    schema = data.get("schema")
    if schema not in SUPPORTED_SCHEMAS:
        raise invalid(
            where,
            f"schema is {schema!r}, this perf-waterfall reads {', '.join(SUPPORTED_SCHEMAS)}",
        )
    scenario = data.get("scenario")
    if not isinstance(scenario, dict) or not isinstance(scenario.get("name"), str):
        raise invalid(where, "'scenario' must be an object with a string 'name'")
    if not SCENARIO_NAME.match(scenario["name"]):
        raise invalid(where, f"scenario name {scenario['name']!r} is not a valid name")
    params = scenario.get("params", {})
    if not isinstance(params, dict):
        raise invalid(where, "'scenario.params' must be an object")
    info = ScenarioInfo(
        name=scenario["name"],
        label=_shown_label(scenario.get("label", ""), where),
        params=_shown_free(params, "'scenario.params'", where),
    )

    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise invalid(where, "'stages' must be a non-empty array")
    stages: list[Stage] = []
    taken: set[str] = set()
    counters: dict[str, int] = {}
    for i, st in enumerate(raw_stages):
        if not isinstance(st, dict) or not isinstance(st.get("name"), str):
            raise invalid(where, f"stage {i} must be an object with a string 'name'")
        kind = st.get("kind")
        if kind not in STAGE_KINDS:
            raise invalid(
                where, f"stage {st['name']!r} has kind {kind!r}, not one of {STAGE_KINDS}"
            )
        stages.append(Stage(name=unique_name(shown(st["name"]), taken, counters), kind=kind))

    rows = _parse_rows(data.get("samples_ms"), len(stages), "samples_ms", "sample row", where)
    for r, values in enumerate(rows):
        if not math.isfinite(sum(values)):  # frame time is the sum of a row
            raise invalid(where, f"sample row {r} sums to more than a float can hold")
    substages, sub_rows = _parse_substages(data, stages, len(rows), where)

    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise invalid(where, "'meta' must be an object")
    meta = _shown_free(meta, "'meta'", where)
    return RoundResult(
        scenario=info,
        stages=tuple(stages),
        samples_ms=rows,
        meta=meta,
        substages=substages,
        substage_samples_ms=sub_rows,
    )


def _parse_rows(
    raw: Any, width: int, key: str, what: str, where: str, *, count: int | None = None
) -> tuple[tuple[float, ...], ...]:
    """Rows of ``width`` finite numbers >= 0 (ms); ``count`` rows when given, else at least one."""
    if not isinstance(raw, list) or (count is None and not raw):
        raise invalid(where, f"'{key}' must be a non-empty array of rows")
    if count is not None and len(raw) != count:
        raise invalid(where, f"'{key}' has {len(raw)} rows, 'samples_ms' has {count}")
    rows = []
    for r, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != width:
            raise invalid(where, f"{what} {r} must be an array of {width} numbers")
        values = []
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise invalid(where, f"{what} {r} holds {v!r}, not a number")
            try:
                fv = float(v)
            except OverflowError:  # an integer of 400 digits is valid JSON
                fv = math.inf
            if not math.isfinite(fv) or fv < 0:
                raise invalid(
                    where, f"{what} {r} holds {number_text(v)}: values must be finite and >= 0"
                )
            values.append(fv)
        rows.append(tuple(values))
    return tuple(rows)


def _parse_substages(
    data: dict[str, Any], stages: list[Stage], frames: int, where: str
) -> tuple[tuple[Stage, ...], tuple[tuple[float, ...], ...]]:
    """The optional nested stages (docs/harness-protocol.md, "Nested stages")."""
    has_stages, has_rows = "substages" in data, "substage_samples_ms" in data
    if has_stages != has_rows:
        present, missing = (
            ("substages", "substage_samples_ms")
            if has_stages
            else ("substage_samples_ms", "substages")
        )
        raise invalid(where, f"'{present}' needs '{missing}' beside it")
    if not has_stages:
        return (), ()
    raw = data["substages"]
    if not isinstance(raw, list):
        raise invalid(where, "'substages' must be an array")
    known: set[tuple[str, ...]] = {(s.name,) for s in stages}
    out: list[Stage] = []
    for i, st in enumerate(raw):
        if not isinstance(st, dict) or not isinstance(st.get("name"), str):
            raise invalid(where, f"sub-stage {i} must be an object with a string 'name'")
        name = shown(st["name"])
        kind = st.get("kind")
        if kind not in STAGE_KINDS:
            raise invalid(where, f"sub-stage {name!r} has kind {kind!r}, not one of {STAGE_KINDS}")
        parent = _parent_path(st.get("parent"), name, where)
        if parent not in known:
            raise invalid(
                where,
                f"sub-stage {name!r} names parent {path_text(parent)}, which is neither a "
                "stage nor a sub-stage listed before it",
            )
        if (*parent, name) in known:
            raise invalid(where, f"sub-stage {name!r} appears twice under {path_text(parent)}")
        known.add((*parent, name))
        out.append(Stage(name=name, kind=kind, parent=parent))
    rows = _parse_rows(
        data["substage_samples_ms"],
        len(out),
        "substage_samples_ms",
        "sub-stage row",
        where,
        count=frames,
    )
    return tuple(out), rows


def _parent_path(raw: Any, name: str, where: str) -> tuple[str, ...]:
    """A parent is a path of names from the top level; a string is a one-name path."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise invalid(
            where, f"sub-stage {name!r} needs a 'parent': a stage name or a list of names"
        )
    return tuple(shown(p) for p in raw)


def _shown_label(label: Any, where: str) -> str:
    """A label is only shown: a non-string one is shown as its text."""
    if isinstance(label, str):
        return shown(label)
    return shown(str(_shown_free(label, "'label'", where)))


def _shown_free(value: Any, what: str, where: str) -> Any:
    """Params and meta are only shown, but saved in bundles: strings shown, numbers finite."""
    try:
        return shown_tree(value)
    except ValueError as exc:
        raise invalid(where, f"{what}: {exc}") from None
