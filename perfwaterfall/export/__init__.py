"""One module per output format, each a function Report -> str (after hyperfine's src/export)."""

from __future__ import annotations

from collections.abc import Callable

from perfwaterfall.export.json_export import sweep_to_json, to_json
from perfwaterfall.export.markdown import sweep_to_markdown, to_markdown
from perfwaterfall.report import Report, SweepReport

Exporter = Callable[[Report], str]

TEXT_FORMATS: dict[str, Exporter] = {"markdown": to_markdown, "json": to_json}
SWEEP_FORMATS: dict[str, Callable[[SweepReport], str]] = {
    "markdown": sweep_to_markdown,
    "json": sweep_to_json,
}
FORMATS = ("terminal", *TEXT_FORMATS)
