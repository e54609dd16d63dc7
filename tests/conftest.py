"""Fixtures of the whole suite.

Tests see a plain, fixed environment (no colour or width variables leak in), and
every random source a test starts is seeded from the test's own id.
"""

from __future__ import annotations

import signal
import zlib
from pathlib import Path

import pytest

from perfwaterfall.measure import signals
from tests.helpers import golden

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


def pytest_configure(config: pytest.Config) -> None:
    # Loudly, before a single test: a CI run must not rewrite what it checks against.
    if (why := golden.update_refused()) is not None:
        raise pytest.UsageError(why)


@pytest.fixture(autouse=True)
def _signals_as_found(monkeypatch):
    """An in-process command installs the tool's signal handlers in pytest's own process,
    and a signal a test sends itself then leaves a request behind: each test starts with
    none and ends with pytest's handlers back, so no later test meets a stale Ctrl-C."""
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {signum: signal.getsignal(signum) for signum in handled}
    monkeypatch.setattr(signals, "_requested", False)
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    for name in LEAKY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "dumb")


@pytest.fixture(scope="session")
def _seed_counts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fake-seed-counts")


@pytest.fixture(autouse=True)
def _seeded_fake_harnesses(request, monkeypatch, _seed_counts: Path) -> None:
    """The fake harnesses' jitter comes from the test's id (tests/helpers/fake_results.py).

    Every harness process inherits ``FAKE_SEED``; ``FAKE_SEED_COUNTS`` is where they
    count their runs, so each round draws its own numbers, the same ones on every run
    of the test.
    """
    seed = zlib.crc32(request.node.nodeid.encode())
    monkeypatch.setenv("FAKE_SEED", str(seed))
    monkeypatch.setenv("FAKE_SEED_COUNTS", str(_seed_counts / f"{seed:08x}.counts"))


@pytest.fixture
def wide(monkeypatch):
    """A 120-column terminal, the width the CLI tests' expected lines are written for."""
    monkeypatch.setenv("COLUMNS", "120")
