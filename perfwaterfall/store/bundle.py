"""Bundles: everything a measurement produced, raw, so it can be re-rendered later.

A bundle keeps every round's results document of every side, the refs, the
options, the machine and the warnings raised while measuring; statistics are
never stored, they are recomputed on load (so a bundle can be shown with
another threshold). ``compare`` saves a two-side bundle, ``run`` a one-side
bundle, ``sweep`` one side per value. A loaded bundle is a file from anywhere:
every string in it is ``shown`` (sanitize.py) and every number checked on load.

Format changes (bump FORMAT_VERSION and add a line when the layout changes):
  1  first version: sides with per-scenario rounds, options, machine, commits,
     warnings, failure, command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfwaterfall import __version__
from perfwaterfall.errors import InvalidDocument
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.profile.rounds import MAX_COUNT, ProfileData
from perfwaterfall.protocol.document import (
    MAX_DOCUMENT_BYTES,
    SCENARIO_NAME,
    RoundResult,
    ScenarioInfo,
)
from perfwaterfall.protocol.loading import loads_json
from perfwaterfall.protocol.naming import stage_names
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.protocol.sanitize import number_text, shown, shown_lines, shown_tree
from perfwaterfall.store.atomic import write_atomically
from perfwaterfall.store.machine import MachineInfo

FORMAT_VERSION = 1
FORMAT = f"perf-waterfall/bundle@{FORMAT_VERSION}"
# Bundles hold every round of every side: far bigger than one results document may be.
MAX_BUNDLE_BYTES = 16 * MAX_DOCUMENT_BYTES


@dataclass(frozen=True)
class Failure:
    """A harness round that failed, for the failure panel."""

    message: str
    stderr_tail: str = ""


@dataclass(frozen=True)
class BundleSide:
    label: str
    ref: RefInfo
    env: dict[str, str]
    rounds: dict[str, list[RoundResult]]  # scenario name -> rounds in the order measured


@dataclass(frozen=True)
class Bundle:
    sides: tuple[BundleSide, ...]
    scenarios: tuple[ScenarioInfo, ...]
    frames: int
    warmup: int
    planned_rounds: int  # per side; a scenario with fewer is not compared
    machine: MachineInfo
    commits: tuple[tuple[str, str], ...] = ()
    commits_total: int = 0
    warnings: tuple[str, ...] = ()
    failure: Failure | None = None
    command: str = ""
    created: str = ""
    tool_version: str = __version__
    extra: dict[str, Any] = field(default_factory=dict)

    def completed(self) -> list[str]:
        """Scenarios with at least the planned rounds on every side (auto may add more)."""
        return [
            s.name
            for s in self.scenarios
            if all(len(side.rounds.get(s.name, ())) >= self.planned_rounds for side in self.sides)
        ]


def to_dict(bundle: Bundle) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tool_version": bundle.tool_version,
        "created": bundle.created,
        "command": bundle.command,
        "frames": bundle.frames,
        "warmup": bundle.warmup,
        "rounds": bundle.planned_rounds,
        "machine": bundle.machine.to_dict(),
        "scenarios": [{"name": s.name, "label": s.label} for s in bundle.scenarios],
        "sides": [
            {
                "label": side.label,
                "ref": asdict(side.ref),  # name, sha, short, subject
                "env": side.env,
                "rounds": {
                    name: [r.to_dict() for r in rounds] for name, rounds in side.rounds.items()
                },
            }
            for side in bundle.sides
        ],
        "commits": [list(c) for c in bundle.commits],
        "commits_total": bundle.commits_total,
        "warnings": list(bundle.warnings),
        "failure": None if bundle.failure is None else asdict(bundle.failure),
        "extra": bundle.extra,
    }


def save(bundle: Bundle, path: Path) -> None:
    """Atomically: an interrupted save leaves the old file or none, never half a bundle."""
    write_atomically(path, json.dumps(to_dict(bundle), indent=1, allow_nan=False) + "\n")


def load(path: Path) -> Bundle:
    where = str(path)
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise InvalidDocument(f"{where}: larger than {MAX_BUNDLE_BYTES >> 20} MiB")
        text = path.read_bytes()
    except FileNotFoundError:
        raise InvalidDocument(f"{where}: no such file") from None
    except IsADirectoryError:
        raise InvalidDocument(f"{where}: is a directory, not a bundle") from None
    except OSError as exc:
        raise InvalidDocument(f"{where}: cannot be read ({exc.strerror})") from None
    return from_dict(loads_json(text, where, limit=MAX_BUNDLE_BYTES), where)


def from_dict(data: Any, where: str) -> Bundle:
    if not isinstance(data, dict) or "format" not in data:
        raise InvalidDocument(f"{where}: not a perf-waterfall bundle (no 'format' key)")
    if data["format"] != FORMAT:
        raise InvalidDocument(
            f"{where}: bundle format {data['format']!r}, this perf-waterfall reads {FORMAT!r}"
        )
    try:
        return _from_dict(data, where)
    except InvalidDocument:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise InvalidDocument(f"{where}: malformed bundle ({_describe(exc)})") from None


def _from_dict(data: dict[str, Any], where: str) -> Bundle:
    sides = tuple(_side(s, f"{where}: side {i + 1}") for i, s in enumerate(_list(data["sides"])))
    if not sides:
        raise InvalidDocument(f"{where}: a bundle needs at least one side")
    failure = data.get("failure")
    return Bundle(
        sides=sides,
        scenarios=_scenarios(_list(data["scenarios"])),
        frames=_int(data["frames"]),
        warmup=_int(data["warmup"]),
        planned_rounds=_rounds(data["rounds"], where),
        machine=MachineInfo.from_dict(
            {k: _machine_value(v) for k, v in _dict(data["machine"]).items()}
        ),
        commits=tuple(_commit(c) for c in _list(data.get("commits", []))),
        commits_total=_int(data.get("commits_total", 0)),
        warnings=tuple(_str(w) for w in _list(data.get("warnings", []))),
        failure=(
            None
            if failure is None
            else Failure(
                _str(failure["message"]), _str(failure.get("stderr_tail", ""), shown_lines)
            )
        ),
        command=_str(data.get("command", "")),
        created=_str(data.get("created", "")),
        tool_version=_str(data.get("tool_version", "")),
        extra=_extra(data.get("extra", {}), where),
    )


def _scenarios(items: list[Any]) -> tuple[ScenarioInfo, ...]:
    infos = tuple(
        ScenarioInfo(name=_name(s["name"]), label=_str(s.get("label", ""))) for s in items
    )
    if len({s.name for s in infos}) != len(infos):
        raise ValueError("a scenario is listed twice")
    return infos


def _extra(value: Any, where: str) -> dict[str, Any]:
    """What later versions add; a profile in it is checked now, not when the movers divide."""
    extra: dict[str, Any] = shown_tree(_dict(value))
    if extra.get("profile") is not None:
        try:
            ProfileData.from_dict(extra["profile"])
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidDocument(f"{where}: malformed profile ({_describe(exc)})") from None
    return extra


def _side(data: Any, where: str) -> BundleSide:
    side = _dict(data)
    ref = _dict(side["ref"])
    rounds = {
        _name(name): [
            parse_results(doc, f"{where}, {name} round {i + 1}")
            for i, doc in enumerate(_list(docs))
        ]
        for name, docs in _dict(side["rounds"]).items()
    }
    for name, results in rounds.items():  # rounds are compared stage by stage
        for i, result in enumerate(results[1:], start=2):
            if result.layout != results[0].layout:
                raise InvalidDocument(
                    f"{where}, {name} round {i}: stages {stage_names(result)} differ from "
                    f"round 1's ({stage_names(results[0])})"
                )
    return BundleSide(
        label=_str(side["label"]),
        ref=RefInfo(
            name=_str(ref["name"]),
            sha=_str(ref["sha"]),
            short=_str(ref["short"]),
            subject=_str(ref.get("subject", "")),
        ),
        env=_env(_dict(side.get("env", {}))),
        rounds=rounds,
    )


def _env(raw: dict[str, Any]) -> dict[str, str]:
    env = {_str(k): _str(v) for k, v in raw.items()}
    if len(env) != len(raw):  # 'K<ESC>' and a literal 'K\\x1b': never one silently
        raise ValueError("two env keys are the same once control characters are shown")
    return env


def _commit(value: Any) -> tuple[str, str]:
    pair = _list(value)
    if len(pair) != 2:
        raise ValueError(f"a commit is [short sha, subject], got {pair!r}")
    return _str(pair[0]), _str(pair[1])


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing key {exc.args[0]!r}"
    return str(exc) or type(exc).__name__


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected an array, got {type(value).__name__}")
    return value


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return dict(value)


def _str(value: Any, show: Callable[[str], str] = shown) -> str:
    """Every string of a bundle is only ever shown: control characters made visible."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return show(value)


def _name(value: Any) -> str:
    name = _str(value, str)
    if not SCENARIO_NAME.match(name):
        raise ValueError(f"scenario name {name!r} is not a valid name")
    return name


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise TypeError(f"expected an integer from 0 to 2**53, got {number_text(value)}")
    return value


def _rounds(value: Any, where: str) -> int:
    """The planned rounds per side: a scenario counts as measured when it has them all."""
    rounds = _int(value)
    if rounds < 1:
        raise InvalidDocument(f"{where}: 'rounds' must be at least 1, got {rounds}")
    return rounds


def _machine_value(value: Any) -> Any:
    if isinstance(value, str):
        return shown(value)
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_COUNT:
        raise TypeError(f"machine fields are strings or integers, got {number_text(value)}")
    return value
