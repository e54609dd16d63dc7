"""`perf-waterfall init`: a starter harness and its [tool.perf-waterfall] table (asv quickstart).

A repository without a harness is refused (no silent A/A); this is the short way
out. It only ever adds: the harness file is created, never replaced, and the
table is appended to pyproject.toml, whose existing bytes stay as they are.
"""

from __future__ import annotations

import json
import os
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from perfwaterfall.cli.params import Repo
from perfwaterfall.errors import UsageError
from perfwaterfall.measure import refs

HARNESS_FILE = "perfbench.py"

STARTER = '''\
"""A perf-waterfall harness, written by `perf-waterfall init`: make it time your code.

perf-waterfall runs `python perfbench.py list` and `python perfbench.py run ...` in a
throw-away worktree of each ref it compares, with the interpreter that runs perf-waterfall
(so perfwaterfall.kit, which speaks the protocol, is there however it was installed).
Try it alone: perf-waterfall run WORKTREE -s small --rounds 1 --frames 5 --save small.json
"""

import json

from perfwaterfall.kit import Recorder, Scenario, main

# TODO: time your own code. Import it here (the repository root is on sys.path), e.g.
#     from mypackage import load, process
# and call it in the stages below instead of these two stand-ins.


def load(size: int) -> list[dict[str, int]]:
    return [{"id": i, "value": i * 7919 % 1000} for i in range(size)]


def process(records: list[dict[str, int]]) -> str:
    return json.dumps(sorted(records, key=lambda r: r["value"]))


def pipeline(rec: Recorder) -> None:
    size = rec.params["size"]
    for _ in rec.frames():  # the warm-up frames first, not recorded
        with rec.stage("load"):
            records = load(size)
        with rec.stage("process"):
            process(records)


if __name__ == "__main__":
    main(
        [
            Scenario("small", pipeline, label="1k records a frame", params={"size": 1_000}),
            Scenario("large", pipeline, label="10k records a frame", params={"size": 10_000}),
        ]
    )
'''


def init_command(
    repo: Repo = Path("."),
    harness_file: Annotated[
        str,
        typer.Option(
            "--file",
            metavar="PATH",
            help="The starter harness to write, relative to the repository.",
        ),
    ] = HARNESS_FILE,
) -> None:
    """Write a starter harness and [tool.perf-waterfall] into a repository that has none."""
    root = refs.repo_root(refs.open_repo(repo))
    said = init_repository(root, harness_file)
    for line in said:
        print(line)
    if said[0].startswith("nothing to change"):
        return
    inside = Path.cwd().resolve().is_relative_to(root.resolve())
    where = "" if inside else f" --repo {shlex.quote(str(root))}"
    print(f"its scenarios ({harness_file} is not committed yet, so ask the work tree):")
    print(f"  perf-waterfall list WORKTREE{where}")
    print(
        f"the first comparison is an A/A of the starter's stand-in: expect 'same' until "
        f"load() and process() in {harness_file} call your code (HEAD has no "
        f"{harness_file} yet: --same-harness runs this one on both sides):"
    )
    print(f"  perf-waterfall compare HEAD WORKTREE --same-harness{where}")


def still_the_starter(root: Path) -> bool:
    """Whether the repository's harness is still init's stand-in, word for word."""
    try:
        return (root / HARNESS_FILE).read_text(encoding="utf-8") == STARTER
    except (OSError, UnicodeDecodeError):
        return False


def init_repository(root: Path, harness_file: str) -> list[str]:
    """Add what is missing and return what was done, one line each. Never overwrites."""
    pyproject = root / "pyproject.toml"
    text = _read(pyproject)
    if _has_table(text, pyproject):
        return [f"nothing to change: {pyproject.name} already has [tool.perf-waterfall]"]
    harness = _harness_path(root, harness_file)
    newline = "\r\n" if "\r\n" in text else "\n"
    ending = "" if not text or text.endswith("\n") else newline
    addition = ending + (newline if text else "") + _table(harness_file, newline)
    _check_toml(text + addition, pyproject, appended=True)
    said = []
    if harness.exists():
        if harness.read_text(encoding="utf-8", errors="replace") != STARTER:
            raise UsageError(
                f"{harness_file} exists and is not the starter: init never overwrites; "
                "choose another name with --file"
            )
        said.append(f"kept {harness_file}: it is already the starter harness")
    else:
        harness.parent.mkdir(parents=True, exist_ok=True)
        with harness.open("x", encoding="utf-8") as f:
            f.write(STARTER)
        said.append(
            f"wrote {harness_file}: a starter harness, two stages timing a stand-in "
            "(its TODO says where your code goes)"
        )
    with pyproject.open("a", encoding="utf-8", newline="") as f:
        f.write(addition)
    verb = "appended [tool.perf-waterfall] to" if text else "created with [tool.perf-waterfall]:"
    said.append(f"{verb} {pyproject.name} (harness = {harness_file}, graft for --same-harness)")
    return said


def _read(pyproject: Path) -> str:
    try:
        return pyproject.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{pyproject}: cannot be read ({exc})") from None


def _has_table(text: str, pyproject: Path) -> bool:
    tool = _check_toml(text, pyproject).get("tool", {})
    return isinstance(tool, dict) and "perf-waterfall" in tool


def _check_toml(text: str, pyproject: Path, appended: bool = False) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        what = "would not be valid TOML with the table appended" if appended else "is not TOML"
        raise UsageError(
            f"{pyproject} {what} ({exc}); nothing written: add [tool.perf-waterfall] by hand "
            "(docs/harness-protocol.md)"
        ) from None


def _harness_path(root: Path, name: str) -> Path:
    parts = PurePosixPath(name).parts
    if not name.endswith(".py") or name.startswith("/") or ".." in parts or "\\" in name:
        raise UsageError(f"--file {name!r}: give a .py path inside the repository")
    path = root / name
    if os.path.islink(path) or path.is_dir():
        raise UsageError(f"--file {name!r}: {path} is a link or a directory")
    return path


def _table(harness_file: str, newline: str) -> str:
    name = json.dumps(harness_file)
    lines = [
        "[tool.perf-waterfall]",
        "# Written by `perf-waterfall init`: the harness run in the worktree of each ref.",
        f'harness = ["{{python}}", {name}]',
        "# `compare --same-harness` copies these from head into base (a base without them).",
        f"graft = [{name}]",
    ]
    return newline.join(lines) + newline
