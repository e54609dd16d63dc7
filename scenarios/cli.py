"""``python -m scenarios``: the harness protocol (list, run) and a report for people.

Every error a user can cause is one line on stderr and a non-zero exit, never a
traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from scenarios.catalog import BY_NAME, SCENARIOS, Scenario
from scenarios.config import Settings
from scenarios.errors import EXIT_INTERRUPTED, ScenarioError, UsageError

PROG = "scenarios"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one ``UsageError`` line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _count(minimum: int) -> type[int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = "count"
    return parse  # type: ignore[return-value]


def _parser() -> _Parser:
    p = _Parser(prog=PROG, description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the scenarios, as a JSON array on stdout")
    run = sub.add_parser("run", help="run one scenario and write its results document")
    run.add_argument("--scenario", required=True)
    run.add_argument("--frames", required=True, type=_count(1))
    run.add_argument("--warmup", required=True, type=_count(0))
    run.add_argument("--output", required=True, type=Path)
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    rep = sub.add_parser("report", help="a table of the scenarios at the current settings")
    rep.add_argument("-s", "--scenario", action="append", dest="scenarios", metavar="NAME")
    rep.add_argument("--frames", type=_count(1), default=30)
    rep.add_argument("--warmup", type=_count(0), default=5)
    rep.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return p


def _scenario(name: str) -> Scenario:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UsageError(f"unknown scenario {name!r}; valid names: {', '.join(BY_NAME)}") from None


def _check_output(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"--output {path} is a directory")
    if not parent.is_dir():
        raise UsageError(f"--output {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--output {path}: directory {parent} is not writable")


def _write(path: Path, doc: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write --output {path}: {exc.strerror}") from None


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "list":
        print(json.dumps([s.descriptor() for s in SCENARIOS]))
        return 0
    from scenarios import driver, preflight  # import zmq and numpy: not needed by ``list``

    settings = Settings.from_env()
    if args.command == "run":
        scenario = _scenario(args.scenario)
        _check_output(args.output)
        doc = driver.run(scenario, args.frames, args.warmup, settings, debug=args.debug)
        _write(args.output, doc)
        return 0
    from scenarios import report

    chosen = [_scenario(n) for n in (args.scenarios or BY_NAME)]
    for sc in chosen:  # every one, before the first runs for minutes
        preflight.check(sc, settings)
    summaries = []
    for sc in chosen:
        doc = driver.run(sc, args.frames, args.warmup, settings, debug=args.debug)
        summaries.append(report.summarize(doc))
    title = (
        f"scenarios at transport={settings.transport} work={settings.work} "
        f"scale={settings.scale:g} ({args.frames} frames, medians)"
    )
    report.print_table(summaries, title)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        return _dispatch(_parser().parse_args(argv))
    except ScenarioError as exc:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
