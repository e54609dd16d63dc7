"""Golden files: exact expected output, rewritten on request, never by CI.

``PERF_WATERFALL_UPDATE_GOLDEN=1 make test`` rewrites every golden file from what
the code renders now (read the diff before committing it). In CI (``CI`` set, as
every CI service sets it) that request is an error: a run that rewrote its own
expectations would pass whatever the code does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

UPDATE = "PERF_WATERFALL_UPDATE_GOLDEN"
_NOT_CI = ("", "0", "false", "no", "off")


def update_refused(environ: Mapping[str, str] = os.environ) -> str | None:
    """Why golden files may not be rewritten in this environment, or None if they may."""
    if environ.get(UPDATE) and environ.get("CI", "").strip().lower() not in _NOT_CI:
        return (
            f"{UPDATE} is set while CI={environ['CI']}: golden files are never regenerated "
            f"in CI (it would pass whatever the code renders); unset {UPDATE}"
        )
    return None


def assert_golden(path: Path, text: str) -> None:
    """``text`` is exactly the content of ``path``; with the update variable, it becomes it."""
    if os.environ.get(UPDATE):
        if (why := update_refused()) is not None:
            pytest.fail(why, pytrace=False)
        path.write_text(text)
    assert text == path.read_text()
