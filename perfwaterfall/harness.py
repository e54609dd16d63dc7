"""Run the harness protocol in a worktree: argv, environment, timeout, process group.

The only module that starts harness processes (through ``procgroup``). Every run is a
new session with its output in files (a pipe can fill and block the harness), and
its whole process group is ended before we return or raise, whatever happened.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from perfwaterfall import procgroup
from perfwaterfall.errors import HarnessFailed, InvalidDocument, UsageError
from perfwaterfall.gitrefs import RefInfo
from perfwaterfall.results import (
    MAX_DOCUMENT_BYTES,
    RoundResult,
    ScenarioInfo,
    load_results,
    loads_json,
    parse_scenario_list,
)
from perfwaterfall.scratch import scratch_dir

DEFAULT_HARNESS = ("{python}", "-m", "scenarios")
PYTHON_PLACEHOLDER = "{python}"
TABLE = "tool.perf-waterfall"
STDERR_TAIL_LINES = 20
# Enough for the tail of any sane harness output; a runaway log is not read whole.
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class HarnessSpec:
    """How to run a repository's harness (harness-protocol.md, "Where the harness is named")."""

    argv: tuple[str, ...]
    setup: tuple[str, ...] | None = None
    graft: tuple[str, ...] = ()


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it is checked out and what it adds to the environment."""

    label: str  # "base"/"head" or a sweep value
    ref: RefInfo
    worktree: Path
    env: Mapping[str, str]  # the user's KEY=VALUE for this side


# ---------------------------------------------------------------- the spec


def load_harness_spec(checkout_root: Path, cli_harness: str | None) -> HarnessSpec:
    """``--harness`` beats ``[tool.perf-waterfall]`` in pyproject.toml beats the default.

    ``--harness`` replaces only the argv: ``setup`` and ``graft`` still come from the table.
    """
    pyproject = checkout_root / "pyproject.toml"
    table = _read_table(pyproject)
    argv = _cli_argv(cli_harness) if cli_harness is not None else None
    if argv is None:
        argv = _argv_key(table, "harness", pyproject) if "harness" in table else DEFAULT_HARNESS
    setup = _argv_key(table, "setup", pyproject, allow_empty=True) if "setup" in table else None
    graft = _graft_key(table, pyproject) if "graft" in table else ()
    return HarnessSpec(argv=argv, setup=setup or None, graft=graft)


def expand_argv(argv: Sequence[str]) -> list[str]:
    """Replace ``{python}`` by the interpreter running perf-waterfall."""
    return [arg.replace(PYTHON_PLACEHOLDER, sys.executable) for arg in argv]


def _cli_argv(text: str) -> tuple[str, ...]:
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise UsageError(f"--harness {text!r}: cannot split it into arguments ({exc})") from None
    if not argv:
        raise UsageError("--harness is empty: give a command, e.g. --harness 'python -m bench'")
    return argv


def _read_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.perf-waterfall]`` table, or {} when the file or the table is absent."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{pyproject}: cannot be read as TOML ({exc})") from None
    tool = data.get("tool", {})
    table = tool.get("perf-waterfall", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [{TABLE}] must be a table")
    return table


def _argv_key(
    table: Mapping[str, Any], key: str, pyproject: Path, *, allow_empty: bool = False
) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{pyproject}: [{TABLE}] {key} must be a list of strings (an argv)")
    if not value and not allow_empty:
        raise UsageError(f"{pyproject}: [{TABLE}] {key} must not be empty")
    if value and not value[0]:
        raise UsageError(f"{pyproject}: [{TABLE}] {key} starts with an empty program name")
    return tuple(value)


def _graft_key(table: Mapping[str, Any], pyproject: Path) -> tuple[str, ...]:
    value = table["graft"]
    where = f"{pyproject}: [{TABLE}] graft"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of paths relative to the repository root")
    for item in value:
        parts = PurePosixPath(item).parts
        bad = (
            not item
            or "\0" in item
            or item.startswith("/")
            or ".." in parts
            or parts in ((), (".",))
            or parts[0] == ".git"
        )
        if bad:
            raise UsageError(f"{where}: {item!r} is not a path inside the repository")
    return tuple(value)


# ---------------------------------------------------------------- environment


def harness_env(side: Side) -> dict[str, str]:
    """The environment of every harness process of ``side`` (harness-protocol.md, Invocation)."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    root = str(side.worktree)
    env["PYTHONPATH"] = f"{root}{os.pathsep}{old}" if old else root
    env["PERF_WATERFALL_REF"] = side.ref.name
    env["PERF_WATERFALL_SHA"] = side.ref.sha
    env.update(side.env)
    return env


# ---------------------------------------------------------------- running


def list_scenarios(
    spec: HarnessSpec, side: Side, *, timeout: float = 60
) -> tuple[ScenarioInfo, ...]:
    """``HARNESS list`` at one side: the scenarios its harness offers."""
    what = f"{_who(side)}: listing scenarios"
    with scratch_dir("list") as tmp:
        argv = [*expand_argv(spec.argv), "list"]
        out = _run(argv, side, tmp, timeout=timeout, what=what)
        where = f"{what}: the output of `list`"
        try:
            with out.open("rb") as f:  # a runaway output is refused, not read whole
                text = f.read(MAX_DOCUMENT_BYTES + 1)
            return parse_scenario_list(loads_json(text, where), where)
        except InvalidDocument as exc:
            raise HarnessFailed(str(exc), side=side.label, ref=side.ref.name) from None


def run_setup(spec: HarnessSpec, side: Side, *, timeout: float) -> None:
    """Run the ``setup`` argv once in a fresh worktree; its failure aborts the side."""
    if not spec.setup:
        return
    with scratch_dir("setup") as tmp:
        what = f"{_who(side)}: setup"
        _run(expand_argv(spec.setup), side, tmp, timeout=timeout, what=what)


def graft(spec: HarnessSpec, head_root: Path, base_worktree: Path) -> None:
    """Copy the ``graft`` paths from head into base: same bench, the base's runtime."""
    base = base_worktree.resolve()
    for rel in spec.graft:
        src, dst = head_root / rel, base_worktree / rel
        if not os.path.lexists(src):
            raise UsageError(f"graft path {rel!r} does not exist in {head_root}")
        if not dst.parent.resolve().is_relative_to(base):
            raise UsageError(f"graft path {rel!r} leads outside {base_worktree}")
        _remove(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir() and not src.is_symlink():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)


def run_round(
    spec: HarnessSpec,
    side: Side,
    *,
    scenario: str,
    frames: int,
    warmup: int,
    round_index: int,
    timeout: float,
    wrap: Sequence[str] | None = None,
) -> RoundResult:
    """One ``HARNESS run``: one round of one scenario at one side.

    ``round_index`` is 0-based (HarnessFailed keeps it so); messages count from 1.
    ``wrap`` is an argv prefix such as ``py-spy record ... --``.
    """
    what = describe_round(side, scenario, round_index)
    names = {"side": side.label, "ref": side.ref.name, "scenario": scenario}
    with scratch_dir("round") as tmp:
        output = tmp / "results.json"
        args = ["run", "--scenario", scenario, "--frames", str(frames), "--warmup", str(warmup)]
        argv = [*(wrap or ()), *expand_argv(spec.argv), *args, "--output", str(output)]
        _run(
            argv, side, Path(tmp), timeout=timeout, what=what, round_index=round_index, names=names
        )
        try:
            result = load_results(output, "results document")
        except InvalidDocument as exc:
            tail = _tail(Path(tmp, "stderr"))
            raise HarnessFailed(
                f"{what}: {exc}", round_index=round_index, stderr_tail=tail, **names
            ) from None
    if result.scenario.name != scenario:
        raise HarnessFailed(
            f"{what}: the harness wrote results for scenario {result.scenario.name!r}",
            round_index=round_index,
            **names,
        )
    return result


def describe_round(side: Side, scenario: str, round_index: int) -> str:
    """How messages name a round: side, ref, scenario, and the round counted from 1."""
    return f"{_who(side)}, scenario {scenario!r}, round {round_index + 1}"


def _who(side: Side) -> str:
    return f"{side.label} ({side.ref.name})"


def _run(
    argv: Sequence[str],
    side: Side,
    tmp: Path,
    *,
    timeout: float,
    what: str,
    round_index: int | None = None,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Run one process with its output in ``tmp``; its stdout file, or HarnessFailed."""
    names = names or {"side": side.label, "ref": side.ref.name}
    stdout_path, stderr_path = tmp / "stdout", tmp / "stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        try:
            status = procgroup.run_in_group(
                argv,
                cwd=side.worktree,
                env=harness_env(side),
                stdout=out,
                stderr=err,
                timeout=timeout,
            )
        except procgroup.GroupTimeout:
            problem = f"timed out after {timeout:g}s"
        except OSError as exc:
            problem = f"cannot start {argv[0]!r} ({exc.strerror or exc})"
        else:
            problem = "" if status == 0 else _describe_status(status)
    if problem:
        tail = _tail(stderr_path) or _tail(stdout_path)
        raise HarnessFailed(
            f"{what}: {problem}", round_index=round_index, stderr_tail=tail, **names
        )
    return stdout_path


def _describe_status(status: int) -> str:
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"harness was killed by {name}"
    return f"harness exited with status {status}"


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a file, reading at most its last 64 KiB."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - _TAIL_BYTES))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace").rstrip()
    return "\n".join(text.splitlines()[-lines:])


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
