"""A repository without a harness is refused, not measured against perf-waterfall's own copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import run_cli_process
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo, registered_worktrees


@pytest.fixture(scope="module")
def bare_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No pyproject.toml, no scenarios package: the default harness is not in it."""
    return build_repo(tmp_path_factory.mktemp("no harness") / "repo", SAMPLE_OPS)


@pytest.mark.parametrize(
    "args", [["compare", "v1", "HEAD"], ["run", "HEAD"], ["list"]], ids=["compare", "run", "list"]
)
def test_no_harness_is_exit_2_and_one_line(bare_repo: Path, args: list[str]) -> None:
    done = run_cli_process([*args, "--repo", bare_repo], cwd=bare_repo)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("perf-waterfall: no harness named: the default `{python} -m sc")
    for way_out in ("perf-waterfall init", "--harness", "[tool.perf-waterfall]"):
        assert way_out in lines[0]
    assert not (bare_repo / "perf-waterfall-run.json").exists()
    assert registered_worktrees(bare_repo) == []
