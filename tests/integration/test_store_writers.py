"""Two writers at once, as two real processes: every row lands, none is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from perfwaterfall.results.store import ResultsStore
from tests.helpers.cli import cli_argv
from tests.integration.recorded_repo import QUICK, recorded_repo
from tests.unit.test_results_store import setup

ROOT = Path(__file__).parents[2]
COMMITS_PER_WRITER = 120

WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from perfwaterfall.results.store import ResultsStore
    from tests.unit.test_results_store import setup
    from tests.unit.test_history_cache import rounds
    go = Path({go!r})
    while not go.exists():
        time.sleep(0.001)
    store = ResultsStore(Path({path!r}))  # both may create the file: a race on purpose
    for i in range({count}):
        sha = f"{{sys.argv[1]}}{{i:039x}}"
        store.add_rounds(setup(), sha, sys.argv[1], "record", {{"pipe": rounds(3, seed=i)}})
    print("done")
    """
)


def test_two_writing_processes_lose_no_row(tmp_path):
    path, go = tmp_path / "store.sqlite", tmp_path / "go"
    script = WRITER.format(root=str(ROOT), go=str(go), path=str(path), count=COMMITS_PER_WRITER)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, tag], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for tag in ("a", "b")
    ]
    go.touch()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip() == b"done", err.decode()
    with ResultsStore(path) as store:
        shas = store.recorded(setup())
        assert len(shas) == 2 * COMMITS_PER_WRITER
        counts = {len(store.rounds(setup(), sha)["pipe"]) for sha in shas}
    assert counts == {3}


@pytest.mark.slow
def test_two_record_processes_at_once_keep_both_commits(tmp_path):
    repo, shas = recorded_repo(tmp_path / "r", commits=4)
    path = tmp_path / "store.sqlite"
    args = ["--repo", repo, "--store", path, *QUICK]
    records = [
        subprocess.Popen(
            cli_argv("record", sha, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for sha in shas[:3]
    ]
    for record in records:
        _, err = record.communicate(timeout=120)
        assert record.returncode == 0, err.decode()
    with ResultsStore(path) as store:
        ((_, kept),) = store.setups()
        assert store.recorded(kept, ("record",)) == set(shas[:3])
        assert all(len(store.rounds(kept, sha)["pipe"]) == 3 for sha in shas[:3])
