"""The fault-injection suite: a fast subset runs in `make test`, everything in `make faults`.

Tests marked ``faults`` are the slow remainder: they are deselected unless
``PERF_WATERFALL_FAULTS=1`` (what `make faults` sets), so `make test` stays short
without a ``-m`` expression of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults import tools
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo

FULL = os.environ.get("PERF_WATERFALL_FAULTS") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: slow fault-injection cases, run by `make faults`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if FULL:
        return
    slow = [i for i in items if i.get_closest_marker("faults") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if i.get_closest_marker("faults") is None]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A short, private directory per test (socket paths must stay under 108 bytes)."""
    return tmp_path


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """Four commits, tag v1, branch feature; measured with the fake harness."""
    return build_repo(tmp_path / "user repo ü", SAMPLE_OPS)


@pytest.fixture
def scenarios_repo(tmp_path: Path) -> Path:
    """This checkout's scenarios in a throw-away repository: branch base, then HEAD."""
    return tools.copy_scenarios_repo(tmp_path / "scenarios repo")


@pytest.fixture(scope="session")
def slow_git(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory to put first on PATH: its ``git`` dawdles where the test says."""
    return tools.git_wrapper(tmp_path_factory.mktemp("slow-git"))
