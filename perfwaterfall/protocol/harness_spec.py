"""Which command is a repository's harness: ``--harness``, else ``[tool.perf-waterfall]``.

See docs/harness-protocol.md, "Where the harness is named".
"""

from __future__ import annotations

import shlex
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from perfwaterfall.errors import UsageError

DEFAULT_HARNESS = ("{python}", "-m", "scenarios")
PYTHON_PLACEHOLDER = "{python}"
TABLE = "tool.perf-waterfall"


@dataclass(frozen=True)
class HarnessSpec:
    """How to run a repository's harness.

    See docs/harness-protocol.md, "Where the harness is named".
    """

    argv: tuple[str, ...]
    setup: tuple[str, ...] | None = None
    graft: tuple[str, ...] = ()


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
