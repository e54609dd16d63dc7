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
    name: str
    kind: StageKind


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

    @property
    def ipc_indices(self) -> tuple[int, ...]:
        return tuple(i for i, s in enumerate(self.stages) if s.kind == "ipc")

    def to_dict(self) -> dict[str, Any]:
        return {
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
        stages.append(Stage(name=_unique_name(shown(st["name"]), taken, counters), kind=kind))

    raw_samples = data.get("samples_ms")
    if not isinstance(raw_samples, list) or not raw_samples:
        raise _fail(where, "'samples_ms' must be a non-empty array of rows")
    width = len(stages)
    rows = []
    for r, row in enumerate(raw_samples):
        if not isinstance(row, list) or len(row) != width:
            raise _fail(where, f"sample row {r} must be an array of {width} numbers")
        values = []
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _fail(where, f"sample row {r} holds {v!r}, not a number")
            try:
                fv = float(v)
            except OverflowError:  # an integer of 400 digits is valid JSON
                fv = math.inf
            if not math.isfinite(fv) or fv < 0:
                raise _fail(
                    where,
                    f"sample row {r} holds {number_text(v)}: values must be finite and >= 0",
                )
            values.append(fv)
        if not math.isfinite(sum(values)):  # frame time is the sum of a row
            raise _fail(where, f"sample row {r} sums to more than a float can hold")
        rows.append(tuple(values))

    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise _fail(where, "'meta' must be an object")
    meta = _shown_free(meta, "'meta'", where)
    return RoundResult(scenario=info, stages=tuple(stages), samples_ms=tuple(rows), meta=meta)


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
    """The stages of a round as one-line messages show them: ``'VideoIn', 'hop 1' (ipc)``."""
    return ", ".join(
        repr(s.name) if s.kind == "filter" else f"{s.name!r} ({s.kind})" for s in result.stages
    )


def _unique_name(name: str, taken: set[str], counters: dict[str, int]) -> str:
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
