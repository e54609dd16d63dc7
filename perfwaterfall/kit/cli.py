"""The kit's ``main``: the harness protocol's ``list`` and ``run`` (docs/harness-protocol.md).

Statuses as the ``scenarios`` harness uses them: 2 and one line on stderr for a bad
argument or unknown scenario, 1 for a scenario that failed (its traceback, which
perf-waterfall shows as the round's stderr tail), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from perfwaterfall.kit.recorder import KitError, Recorder
from perfwaterfall.protocol.document import SCENARIO_NAME, SCHEMA_V1

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


@dataclass(frozen=True)
class Scenario:
    """One scenario: ``run(rec)`` loops over ``rec.frames()``; ``params`` reach it as rec.params."""

    name: str
    run: Callable[[Recorder], None]
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict)


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + error
        raise _Usage(message)


def main(scenarios: Sequence[Scenario], argv: Sequence[str] | None = None) -> NoReturn:
    """Speak the protocol for ``scenarios`` and exit with its status."""
    sys.exit(run_protocol(scenarios, sys.argv[1:] if argv is None else argv))


def run_protocol(scenarios: Sequence[Scenario], argv: Sequence[str]) -> int:
    prog = Path(sys.argv[0]).name or "harness"
    try:
        by_name = _index(scenarios)
        args = _parser(prog).parse_args(list(argv))
        if args.command == "list":
            print(json.dumps([{"name": s.name, "label": s.label} for s in scenarios]))
            return 0
        scenario = by_name.get(args.scenario)
        if scenario is None:
            raise _Usage(f"unknown scenario {args.scenario!r}; valid: {', '.join(by_name)}")
        _check_output(args.output)
        doc = record(scenario, args.frames, args.warmup)
        _write(args.output, doc)
        return 0
    except _Usage as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KitError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        traceback.print_exc()
        return EXIT_FAILED


def record(scenario: Scenario, frames: int, warmup: int) -> dict[str, Any]:
    """Run ``scenario`` once and return its results document (results@1)."""
    rec = Recorder(frames, warmup, scenario.params)
    scenario.run(rec)
    if not rec.recorded:
        raise KitError(f"scenario {scenario.name!r} recorded no frame: loop over rec.frames()")
    if not rec.stages():
        raise KitError(f"scenario {scenario.name!r} timed no stage: use rec.stage() or rec.hop()")
    meta = {"frames": frames, "warmup": warmup, "python": sys.version.split()[0], **rec.meta}
    doc = {
        "schema": SCHEMA_V1,
        "scenario": {"name": scenario.name, "label": scenario.label, "params": rec.params},
        "stages": rec.stages(),
        "samples_ms": rec.samples_ms(),
        "meta": meta,
    }
    if rec.substages():  # nested stages only when some were timed: older readers skip them
        doc["substages"] = rec.substages()
        doc["substage_samples_ms"] = rec.substage_samples_ms()
    return doc


def _index(scenarios: Sequence[Scenario]) -> dict[str, Scenario]:
    by_name: dict[str, Scenario] = {}
    for s in scenarios:
        if not SCENARIO_NAME.match(s.name):
            raise _Usage(f"scenario name {s.name!r} does not match [a-z0-9][a-z0-9_.-]*")
        if s.name in by_name:
            raise _Usage(f"scenario name {s.name!r} appears twice")
        by_name[s.name] = s
    return by_name


def _parser(prog: str) -> _Parser:
    p = _Parser(prog=prog, description="A perf-waterfall harness (harness protocol 1).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the scenarios, as a JSON array on stdout")
    run = sub.add_parser("run", help="run one scenario and write its results document")
    run.add_argument("--scenario", required=True)
    run.add_argument("--frames", required=True, type=_count(1))
    run.add_argument("--warmup", required=True, type=_count(0))
    run.add_argument("--output", required=True, type=Path)
    return p


def _count(minimum: int) -> Callable[[str], int]:
    def count(text: str) -> int:
        if not text.isdigit() or int(text) < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return int(text)

    return count


def _check_output(path: Path) -> None:
    """Refuse an unwritable --output before the scenario runs, not after."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise _Usage(f"--output {path} is a directory")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise _Usage(f"--output {path}: directory {parent} does not exist or is not writable")


def _write(path: Path, doc: dict[str, Any]) -> None:
    """Atomically: PATH holds a whole document or nothing."""
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False, default=str)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise KitError(f"cannot write --output {path}: {exc.strerror}") from None
