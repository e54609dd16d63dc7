"""Every exporter by format name; ``formats`` names them without importing any."""

from __future__ import annotations

from collections.abc import Callable

from perfwaterfall.analysis.report import Report, SweepReport
from perfwaterfall.export.formats import FORMATS
from perfwaterfall.export.json_export import sweep_to_json, to_json
from perfwaterfall.export.markdown import sweep_to_markdown, to_markdown

Exporter = Callable[[Report], str]

TEXT_FORMATS: dict[str, Exporter] = {"markdown": to_markdown, "json": to_json}
SWEEP_FORMATS: dict[str, Callable[[SweepReport], str]] = {
    "markdown": sweep_to_markdown,
    "json": sweep_to_json,
}

assert ("terminal", *TEXT_FORMATS) == FORMATS, "export/formats.py names every text format"
