"""A broken harness: a clear message naming side, scenario and round, exit 1 or 2, nothing left.

The fake harness (tests/helpers/fake_harness.py) misbehaves on the head side only
(``--head-env FAKE_MODE=...``), so base's first round succeeds and head's first
round is the one that fails. The failure is read from the saved bundle, where it
is one unwrapped line, and must also be drawn in the report.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.faults import tools
from tests.faults.tools import FAKE, Run
from tests.helpers.processes import running

HEAD_ROUND_1 = "head (HEAD), scenario 'alpha', round 1: "
HEAD_ROUND_2 = "head (HEAD), scenario 'alpha', round 2: "
RUN = ["--frames", "3", "--warmup", "0", "--rounds", "2", "-s", "alpha", "--save", "cmp.json"]

# (FAKE_MODE, extra options, what the message says after naming side, scenario and round)
ROUND_FAULTS = [
    ("fail", (), "harness exited with status 1"),
    ("killed", (), "harness was killed by SIGKILL"),
    ("hang", ("--timeout", "2"), "timed out after 2s"),
    ("ignore_term", ("--timeout", "2"), "timed out after 2s"),
    ("no_output", (), "results document: no results document was written"),
    ("invalid_json", (), "results document: not valid JSON"),
    ("binary", (), "results document: not valid JSON"),
    ("deep", (), "results document: not valid JSON"),
    ("wrong_schema", (), "schema is 'perf-waterfall/results@99'"),
    ("wrong_scenario", (), "the harness wrote results for scenario 'other'"),
    ("nan", (), "not valid JSON (NaN is not allowed)"),
    ("infinite", (), "values must be finite and >= 0"),
    ("negative", (), "sample row 2 holds -0.5: values must be finite and >= 0"),
    ("ragged", (), "sample row 2 must be an array of 3 numbers"),
    ("no_rows", (), "'samples_ms' must be a non-empty array of rows"),
    ("huge", (), "results document: larger than 64 MiB"),
    ("overflow", (), "sample row 2 sums to more than a float can hold"),
    # fails on head's second round, the first to disagree with an earlier one
    ("shifting_stages", (), "stages must not change between rounds"),
]
FAST = {"hang", "nan", "ragged", "no_output", "huge", "killed", "overflow", "shifting_stages"}


def _params() -> list[object]:
    return [
        pytest.param(mode, opts, said, id=mode, marks=[] if mode in FAST else [pytest.mark.faults])
        for mode, opts, said in ROUND_FAULTS
    ]


def failure_of(r: Run) -> str:
    data = json.loads((r.out_dir / "cmp.json").read_text())
    message: str = data["failure"]["message"]
    return message


@pytest.mark.timeout(90)
@pytest.mark.parametrize(("mode", "opts", "said"), _params())
def test_a_broken_round_is_named_and_leaves_nothing(
    mode: str, opts: tuple[str, ...], said: str, fake_repo: Path, workdir: Path
) -> None:
    pids = workdir / "harness.pids"
    args = ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", FAKE, *RUN, *opts]
    r = tools.run(
        [*args, "--head-env", f"FAKE_MODE={mode}", "--head-env", f"FAKE_PID_FILE={pids}"],
        workdir=workdir,
        repo=fake_repo,
        timeout=60,
    )
    assert r.code == 1, r.err
    assert "Traceback" not in r.out + r.err
    message = failure_of(r)
    prefix = HEAD_ROUND_2 if mode == "shifting_stages" else HEAD_ROUND_1
    assert message.startswith(prefix) and said in message, message
    assert "Run failed" in r.out
    assert r.leftovers() == []
    if mode in ("hang", "ignore_term"):  # the timeout ended the grandchild too
        leader, child = map(int, pids.read_text().split())
        assert leader in r.sampler.pids and child in r.sampler.pids


@pytest.mark.parametrize(
    ("list_mode", "said"),
    tools.fast_first(
        [
            ("fail", "base (v1): listing scenarios: harness exited with status 3"),
            ("invalid_json", "base (v1): listing scenarios: the output of `list`: not valid JSON"),
            ("bad_name", "scenario name 'Bad Name' does not match"),
        ],
        1,
        ids=["fail", "invalid_json", "bad_name"],
    ),
)
def test_a_harness_that_cannot_list_is_one_line(
    list_mode: str, said: str, fake_repo: Path, workdir: Path
) -> None:
    r = tools.run(
        ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", FAKE, *RUN],
        workdir=workdir,
        repo=fake_repo,
        env={"FAKE_LIST_MODE": list_mode},
        timeout=60,
    )
    assert r.code == 1
    assert said in tools.one_line(r.err)
    assert r.leftovers() == []


def test_a_harness_that_cannot_start_is_one_line(fake_repo: Path, workdir: Path) -> None:
    r = tools.run(
        ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", "/nonexistent/bench"],
        workdir=workdir,
        repo=fake_repo,
        timeout=60,
    )
    assert r.code == 1
    assert "cannot start '/nonexistent/bench'" in tools.one_line(r.err)
    assert r.leftovers() == []


def test_a_grandchild_left_by_a_successful_round_is_ended(fake_repo: Path, workdir: Path) -> None:
    pids = workdir / "harness.pids"
    r = tools.run(
        ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", FAKE, *RUN],
        workdir=workdir,
        repo=fake_repo,
        env={"FAKE_MODE": "stray", "FAKE_PID_FILE": str(pids)},
        timeout=60,
    )
    assert r.code == 0, r.err
    stray = int(pids.read_text().split()[1])  # it did start
    assert r.leftovers() == []
    assert not running(stray)


@pytest.mark.timeout(120)
def test_a_filter_process_killed_mid_run(scenarios_repo: Path, workdir: Path) -> None:
    """The real harness: SIGKILL to the Detector stage of base's first round."""
    args = ["compare", "base", "HEAD", "--repo", str(scenarios_repo), "-s", "480p_raw"]
    r = tools.start(
        [*args, "--frames", "100000", "--warmup", "0", "--rounds", "2", "--save", "cmp.json"],
        workdir=workdir,
        repo=scenarios_repo,
        env={"SCENARIOS_SCALE": "0.05"},
    )
    try:
        r.wait_until(
            lambda: any("--name Detector" in c for c in r.sampler.stage_processes().values()),
            "the Detector stage never ran",
            timeout=60,
        )
        (victim,) = [p for p, c in r.sampler.stage_processes().items() if "--name Detector" in c]
        os.kill(victim, signal.SIGKILL)
    finally:
        r.finish(60)
    assert r.code == 1, r.err
    message = failure_of(r)
    assert message.startswith("base (base), scenario '480p_raw', round 1: "), message
    tail = json.loads((r.out_dir / "cmp.json").read_text())["failure"]["stderr_tail"]
    assert f"stage Detector (pid {victim}) was killed by SIGKILL" in tail
    assert r.leftovers() == []
