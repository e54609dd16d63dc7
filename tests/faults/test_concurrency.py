"""Two `compare` runs on one repository at once, sharing one TMPDIR: no collision.

Both runs pause before their first round (worktrees made, scenarios listed) and
are released together once both are there, so their rounds certainly overlap.
Each run's harness adds its own known delay to head, so mixed-up results would
show; worktrees, socket directories and segment names must all differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.faults import tools
from tests.faults.tools import FAKE, Run
from tests.helpers.gitrepo import registered_worktrees

pytestmark = pytest.mark.timeout(180)
BEFORE_FIRST_ROUND = "perfwaterfall.measure.signals:check@1"


def start_both(
    repo: Path, workdir: Path, args: list[list[str]], envs: list[dict[str, str]]
) -> list[Run]:
    """One run per (args, env), sharing a TMPDIR, each paused before its first round."""
    shared_tmp = workdir / "shared tmp"
    release = workdir / "go"
    before = tools.Checkout.of(repo)  # once: the first run may change .git before the second starts
    runs = [
        tools.start(
            [*args[i], "--save", str(workdir / f"run{i}" / "cmp.json")],
            workdir=workdir / f"run{i}",
            repo=repo,
            tmpdir=shared_tmp,
            pause=BEFORE_FIRST_ROUND,
            env={**env, "PW_FAULT_RELEASE": str(release)},
        )
        for i, env in enumerate(envs)
    ]
    for r in runs:
        r.before = before
    return runs


def bundle(r: Run) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((r.out_dir / "cmp.json").read_text())
    return data


def test_two_runs_of_the_fake_harness_keep_apart(fake_repo: Path, workdir: Path) -> None:
    args = ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", FAKE]
    args += ["--frames", "3", "--warmup", "0", "--rounds", "4"]
    per_run = [[*args, "--head-env", f"FAKE_DELTA=Sink={d}"] for d in (1.0, 3.0)]
    envs = [{"FAKE_RECORD": str(workdir / f"record{i}.jsonl")} for i in range(2)]
    runs = start_both(fake_repo, workdir, per_run, envs)
    try:
        for r in runs:
            r.wait_for_mark()
        worktrees = registered_worktrees(fake_repo)
        assert len(set(worktrees)) == 4, worktrees  # both runs' two sides, all distinct
        (workdir / "go").touch()
    finally:
        for r in runs:
            r.finish(120)
    for r in runs:
        assert r.code == 0, r.err
    cwds = []
    for i, r in enumerate(runs):
        record = [
            json.loads(line) for line in (workdir / f"record{i}.jsonl").read_text().splitlines()
        ]
        cwds.append({entry["cwd"] for entry in record})
        base, head = (side["rounds"]["alpha"] for side in bundle(r)["sides"])
        sink = {round_["samples_ms"][0][-1] for round_ in head}
        assert sink == {0.5 + (1.0, 3.0)[i]}, sink  # this run's delay, never the other's
        assert {round_["samples_ms"][0][-1] for round_ in base} == {0.5}
    assert len(cwds[0]) == len(cwds[1]) == 2 and not cwds[0] & cwds[1]
    for r in runs:
        assert r.leftovers() == []


@pytest.mark.faults
def test_two_runs_of_the_real_harness_on_shared_memory_keep_apart(
    scenarios_repo: Path, workdir: Path
) -> None:
    args = ["compare", "base", "HEAD", "--repo", str(scenarios_repo), "-s", "480p_raw"]
    args += ["--frames", "10", "--warmup", "1", "--rounds", "2"]
    env = {"SCENARIOS_SCALE": "0.05", "SCENARIOS_TRANSPORT": "shm-loan", "SCENARIOS_INFLIGHT": "3"}
    runs = start_both(scenarios_repo, workdir, [args, args], [env, env])
    try:
        for r in runs:
            r.wait_for_mark(timeout=60)
        (workdir / "go").touch()
    finally:
        for r in runs:
            r.finish(150)
    run_ids = []
    for r in runs:
        assert r.code == 0, r.err
        rounds = [rd for side in bundle(r)["sides"] for rd in side["rounds"]["480p_raw"]]
        assert len(rounds) == 4
        assert all(rd["meta"]["verified_frames"] == 11 for rd in rounds)  # bit-exact frames
        run_ids.append({rd["meta"]["run_id"] for rd in rounds})
        assert r.sampler.segments  # it did use shared memory
    assert len(run_ids[0] | run_ids[1]) == 8  # every round of either run had its own
    assert not runs[0].sampler.segments & runs[1].sampler.segments
    for r in runs:
        assert r.leftovers() == []
