"""The results document of the harness protocol: parse, validate, serialize.

One document is one *round* of one scenario at one ref (docs/harness-protocol.md).
Validation is strict about what we interpret (stages, samples) and lenient about
what we only show (params, meta) or do not know (extra top-level keys). Every
string kept is ``shown`` (sanitize.py): control characters become visible escapes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.sanitize import number_text, shown, shown_tree

SCHEMA_V1 = "perf-waterfall/results@1"
SUPPORTED_SCHEMAS = (SCHEMA_V1,)
SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\Z")  # '$' would let "name\n" pass
STAGE_KINDS = ("filter", "ipc", "other")
# A document beyond this is not a results document but a mistake (or an attack on memory).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

StageKind = Literal["filter", "ipc", "other"]


@dataclass(frozen=True)
class Stage:
    """A stage of the frame, or (``parent`` set) a sub-stage: a part of another stage's time.

    ``parent`` is the path of the stage it sits in, from the top level; a stage is
    known everywhere by its ``path``, since sub-stage names are unique only among
    siblings (``serialize`` under ``hop 1`` and under ``hop 2``).
    """

    name: str
    kind: StageKind
    parent: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        return (*self.parent, self.name)

    @property
    def depth(self) -> int:
        """0 for a stage of the frame, 1 for a part of one, ..."""
        return len(self.parent)


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario as a harness describes it; ``params`` is shown, never interpreted."""

    name: str
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RoundResult:
    """One harness ``run``: per-frame stage timings in milliseconds."""

    scenario: ScenarioInfo
    stages: tuple[Stage, ...]
    samples_ms: tuple[tuple[float, ...], ...]
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # Nested stages: parts of the stages' times, never added to the frame time.
    substages: tuple[Stage, ...] = ()
    substage_samples_ms: tuple[tuple[float, ...], ...] = ()

    @property
    def layout(self) -> tuple[tuple[Stage, ...], tuple[Stage, ...]]:
        """What the rounds of one side must share to be compared: stages and sub-stages."""
        return self.stages, self.substages

    @property
    def ipc_indices(self) -> tuple[int, ...]:
        return tuple(i for i, s in enumerate(self.stages) if s.kind == "ipc")

    def to_dict(self) -> dict[str, Any]:
        """The document again; without sub-stages exactly as before nesting existed."""
        doc: dict[str, Any] = {
            "schema": SCHEMA_V1,
            "scenario": {
                "name": self.scenario.name,
                "label": self.scenario.label,
                "params": self.scenario.params,
            },
            "stages": [{"name": s.name, "kind": s.kind} for s in self.stages],
            "samples_ms": [list(row) for row in self.samples_ms],
            "meta": self.meta,
        }
        if self.substages:
            doc["substages"] = [
                {"name": s.name, "kind": s.kind, "parent": _parent_text(s.parent)}
                for s in self.substages
            ]
            doc["substage_samples_ms"] = [list(row) for row in self.substage_samples_ms]
        return doc


def _parent_text(parent: tuple[str, ...]) -> str | list[str]:
    """A top-level parent is written as its name, as a harness may write it."""
    return parent[0] if len(parent) == 1 else list(parent)


def _fail(where: str, what: str) -> InvalidDocument:
    return InvalidDocument(f"{where}: {what}")


def parse_scenario_list(data: Any, where: str = "scenario list") -> tuple[ScenarioInfo, ...]:
    """Validate the output of ``HARNESS list``."""
    if not isinstance(data, list):
        raise _fail(where, "expected a JSON array of scenario descriptors")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _fail(where, f"item {i} is not an object with a string 'name'")
        name = item["name"]
        if not SCENARIO_NAME.match(name):
            raise _fail(where, f"scenario name {name!r} does not match [a-z0-9][a-z0-9_.-]*")
        if name in seen:
            raise _fail(where, f"scenario name {name!r} appears twice")
        seen.add(name)
        out.append(ScenarioInfo(name=name, label=_shown_label(item.get("label", ""), where)))
    return tuple(out)


def parse_results(data: Any, where: str = "results document") -> RoundResult:
    """Validate one results document (already decoded from JSON)."""
    if not isinstance(data, dict):
        raise _fail(where, "expected a JSON object")
    schema = data.get("schema")
    if schema not in SUPPORTED_SCHEMAS:
        raise _fail(
            where,
            f"schema is {schema!r}, this perf-waterfall reads {', '.join(SUPPORTED_SCHEMAS)}",
        )
    scenario = data.get("scenario")
    if not isinstance(scenario, dict) or not isinstance(scenario.get("name"), str):
        raise _fail(where, "'scenario' must be an object with a string 'name'")
    if not SCENARIO_NAME.match(scenario["name"]):
        raise _fail(where, f"scenario name {scenario['name']!r} is not a valid name")
    params = scenario.get("params", {})
    if not isinstance(params, dict):
        raise _fail(where, "'scenario.params' must be an object")
    info = ScenarioInfo(
        name=scenario["name"],
        label=_shown_label(scenario.get("label", ""), where),
        params=_shown_free(params, "'scenario.params'", where),
    )

    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise _fail(where, "'stages' must be a non-empty array")
    stages: list[Stage] = []
    taken: set[str] = set()
    counters: dict[str, int] = {}
    for i, st in enumerate(raw_stages):
        if not isinstance(st, dict) or not isinstance(st.get("name"), str):
            raise _fail(where, f"stage {i} must be an object with a string 'name'")
        kind = st.get("kind")
        if kind not in STAGE_KINDS:
            raise _fail(where, f"stage {st['name']!r} has kind {kind!r}, not one of {STAGE_KINDS}")
        stages.append(Stage(name=unique_name(shown(st["name"]), taken, counters), kind=kind))

    rows = _parse_rows(data.get("samples_ms"), len(stages), "samples_ms", "sample row", where)
    for r, values in enumerate(rows):
        if not math.isfinite(sum(values)):  # frame time is the sum of a row
            raise _fail(where, f"sample row {r} sums to more than a float can hold")
    substages, sub_rows = _parse_substages(data, stages, len(rows), where)

    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise _fail(where, "'meta' must be an object")
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
        raise _fail(where, f"'{key}' must be a non-empty array of rows")
    if count is not None and len(raw) != count:
        raise _fail(where, f"'{key}' has {len(raw)} rows, 'samples_ms' has {count}")
    rows = []
    for r, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != width:
            raise _fail(where, f"{what} {r} must be an array of {width} numbers")
        values = []
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _fail(where, f"{what} {r} holds {v!r}, not a number")
            try:
                fv = float(v)
            except OverflowError:  # an integer of 400 digits is valid JSON
                fv = math.inf
            if not math.isfinite(fv) or fv < 0:
                raise _fail(
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
        raise _fail(where, f"'{present}' needs '{missing}' beside it")
    if not has_stages:
        return (), ()
    raw = data["substages"]
    if not isinstance(raw, list):
        raise _fail(where, "'substages' must be an array")
    known: set[tuple[str, ...]] = {(s.name,) for s in stages}
    out: list[Stage] = []
    for i, st in enumerate(raw):
        if not isinstance(st, dict) or not isinstance(st.get("name"), str):
            raise _fail(where, f"sub-stage {i} must be an object with a string 'name'")
        name = shown(st["name"])
        kind = st.get("kind")
        if kind not in STAGE_KINDS:
            raise _fail(where, f"sub-stage {name!r} has kind {kind!r}, not one of {STAGE_KINDS}")
        parent = _parent_path(st.get("parent"), name, where)
        if parent not in known:
            raise _fail(
                where,
                f"sub-stage {name!r} names parent {_path_text(parent)}, which is neither a "
                "stage nor a sub-stage listed before it",
            )
        if (*parent, name) in known:
            raise _fail(where, f"sub-stage {name!r} appears twice under {_path_text(parent)}")
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
        raise _fail(where, f"sub-stage {name!r} needs a 'parent': a stage name or a list of names")
    return tuple(shown(p) for p in raw)


def _path_text(path: tuple[str, ...]) -> str:
    return " > ".join(repr(p) for p in path)


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
        raise _fail(where, f"{what}: {exc}") from None


def loads_json(text: str | bytes, where: str, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """Decode JSON, turning every decoding problem into one clear line."""
    if len(text) > limit:
        raise _fail(where, f"larger than {limit // (1024 * 1024)} MiB")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise _fail(where, f"not valid JSON ({_short(exc)})") from None


def load_results(path: Path, where: str | None = None) -> RoundResult:
    where = where or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _fail(where, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB")
        text = path.read_bytes()
    except FileNotFoundError:
        raise _fail(where, "no results document was written") from None
    except OSError as exc:
        raise _fail(where, f"cannot be read ({exc.strerror})") from None
    return parse_results(loads_json(text, where), where)


def stage_names(result: RoundResult) -> str:
    """The stages of a round as one-line messages show them: ``'VideoIn', 'hop 1' (ipc)``;
    sub-stages by their path: ``'hop 1' > 'send' (ipc)``."""
    return ", ".join(
        _path_text(s.path) if s.kind == "filter" else f"{_path_text(s.path)} ({s.kind})"
        for s in (*result.stages, *result.substages)
    )


def unique_name(name: str, taken: set[str], counters: dict[str, int]) -> str:
    """Stages are matched across sides by name: a repeated name gets a counter.

    ``counters`` keeps each name's last counter (every ``name (k)`` below it is
    taken), so a million copies of one name take linear time, not hours. Names are
    counted once shown: ``a<ESC>`` and a literal ``a\\x1b`` look alike, so the
    second becomes ``a\\x1b (2)`` instead of silently being the same stage.
    """
    candidate, n = name, counters.get(name, 1)
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    counters[name] = n
    taken.add(candidate)
    return candidate


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
