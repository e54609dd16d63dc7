"""The action's `record` step, run as action.yml runs it: two pushes to main, one store
carried between them (as the Actions cache carries it), a dashboard after each."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfwaterfall.results.store import ResultsStore
from tests.helpers.gitrepo import run_git
from tests.integration.recorded_repo import recorded_repo
from tests.integration.test_action import ROOT, action

QUICK = {"PW_FRAMES": "3", "PW_ROUNDS": "3", "PW_ARGS": "--warmup 0"}


@pytest.mark.slow
def test_each_push_is_recorded_into_the_carried_store_and_published(tmp_path: Path) -> None:
    repo, shas = recorded_repo(tmp_path / "repo", commits=2)
    store = tmp_path / "carried" / "results.sqlite"
    run_git(repo, "checkout", "-q", shas[0])
    code, outputs, log = action("record", repo, tmp_path, PW_STORE=str(store), **QUICK)
    assert code == 0 and outputs["exit-code"] == "0", log
    run_git(repo, "checkout", "-q", shas[1])
    code, outputs, log = action("record", repo, tmp_path, PW_STORE=str(store), **QUICK)
    assert code == 0, log
    with ResultsStore(store) as results:
        ((_, setup),) = results.setups()
        assert results.recorded(setup, ("record",)) == set(shas)
    assert (Path(outputs["site"]) / "index.html").is_file()
    assert "recorded" in (tmp_path / "summary.md").read_text()


def test_action_yml_carries_the_store_only_when_recording() -> None:
    yml = (ROOT / "action.yml").read_text()
    assert '.github/perf-waterfall/action.sh" record' in yml
    assert "actions/cache/restore@v4" in yml and "actions/cache/save@v4" in yml
    assert "PW_STORE:" in yml
