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
from perfwaterfall.protocol.document import STAGE_KINDS

DEFAULT_HARNESS = ("{python}", "-m", "scenarios")
SPAN_SOURCES = ("otlp", "file")
PYTHON_PLACEHOLDER = "{python}"
TABLE = "tool.perf-waterfall"


@dataclass(frozen=True)
class SpanSettings:
    """Where a round's stage times come from when they are OpenTelemetry spans.

    See docs/harness-protocol.md, "Spans (OpenTelemetry)".
    """

    source: str  # "otlp": a receiver for the round; "file": an OTLP JSON file
    port: int = 0  # the receiver's port; 0: any free one
    kinds: tuple[tuple[str, str], ...] = ()  # (span name pattern, stage kind), first match wins
    frame_key: str = "frame.id"  # spans with the same value of this attribute are one frame


@dataclass(frozen=True)
class HarnessSpec:
    """How to run a repository's harness.

    See docs/harness-protocol.md, "Where the harness is named".
    """

    argv: tuple[str, ...]
    setup: tuple[str, ...] | None = None
    graft: tuple[str, ...] = ()
    spans: SpanSettings | None = None


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
    spans = _span_settings(table, pyproject)
    return HarnessSpec(argv=argv, setup=setup or None, graft=graft, spans=spans)


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


def _span_settings(table: Mapping[str, Any], pyproject: Path) -> SpanSettings | None:
    """``spans``, ``spans-port``, ``frame-key`` and ``[tool.perf-waterfall.span-kinds]``."""
    where = f"{pyproject}: [{TABLE}]"
    extra = [key for key in ("spans-port", "span-kinds", "frame-key") if key in table]
    if "spans" not in table:
        if extra:
            raise UsageError(f'{where} {extra[0]} needs spans = "otlp" or "file"')
        return None
    source = table["spans"]
    if source not in SPAN_SOURCES:
        raise UsageError(f'{where} spans must be "otlp" or "file"')
    port = table.get("spans-port", 0)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UsageError(f"{where} spans-port must be a port number (0 to 65535)")
    if port and source != "otlp":
        raise UsageError(f'{where} spans-port is for spans = "otlp"')
    kinds = table.get("span-kinds", {})
    if not isinstance(kinds, dict) or not all(
        isinstance(k, str) and v in STAGE_KINDS for k, v in kinds.items()
    ):
        raise UsageError(
            f"{where} span-kinds must map span names (or patterns) to filter, ipc or other"
        )
    frame_key = table.get("frame-key", SpanSettings.frame_key)
    if not isinstance(frame_key, str) or len(frame_key) > 255:
        raise UsageError(f'{where} frame-key must be a span attribute name (or "" for none)')
    return SpanSettings(source=source, port=port, kinds=tuple(kinds.items()), frame_key=frame_key)
