"""Tests see a plain, fixed environment: no colour or width variables leak in."""

import pytest

LEAKY = (
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "TERM",
    "COLORTERM",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "SCENARIOS_TRANSPORT",
    "SCENARIOS_WORK",
    "SCENARIOS_INFLIGHT",
)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    for name in LEAKY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "dumb")
