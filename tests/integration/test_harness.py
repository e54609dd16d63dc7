"""harness with real processes: the fake harness, its failures, and no process left behind."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from perfwaterfall.errors import HarnessFailed, UsageError
from perfwaterfall.measure import harness
from perfwaterfall.measure import processes as procgroup
from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.protocol.harness_spec import HarnessSpec
from tests.helpers.fake_harness import fake_harness_argv
from tests.helpers.processes import group_running, running, wait_for_file

SPEC = HarnessSpec(argv=fake_harness_argv())
REF = RefInfo(name="feature/x", sha="b" * 40, short="bbbbbbb", subject="subject")


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "work tree ü"
    path.mkdir()
    return path


def make_side(worktree: Path, **env: str) -> SideCheckout:
    return SideCheckout(label="head", ref=REF, worktree=worktree, env=env)


def run(side: SideCheckout, *, scenario: str = "alpha", round_index: int = 0, **kw: Any) -> Any:
    options: dict[str, Any] = {"frames": 3, "warmup": 1, "timeout": 30.0, **kw}
    return harness.run_round(SPEC, side, scenario=scenario, round_index=round_index, **options)


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# ---------------------------------------------------------------- success


def test_list_scenarios_runs_in_the_worktree_with_the_protocol_env(
    worktree: Path, tmp_path: Path
) -> None:
    record = tmp_path / "record.jsonl"
    side = make_side(worktree, FAKE_RECORD=str(record), USER_KEY="value")
    scenarios = harness.list_scenarios(SPEC, side)
    assert [s.name for s in scenarios] == ["alpha", "beta"]
    (entry,) = records(record)
    assert entry["argv"] == ["list"]
    assert Path(entry["cwd"]) == worktree
    assert entry["env"]["PYTHONPATH"].split(os.pathsep)[0] == str(worktree)
    assert entry["env"]["PERF_WATERFALL_REF"] == "feature/x"
    assert entry["env"]["PERF_WATERFALL_SHA"] == "b" * 40
    assert entry["env"]["USER_KEY"] == "value"
    assert entry["pgid"] == entry["pid"] != os.getpgid(0)  # its own process group


def test_run_round_returns_the_known_stage_times(worktree: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    side = make_side(worktree, FAKE_RECORD=str(record), FAKE_DELTA="hop 1=0.25,beta/Sink=9")
    result = run(side, frames=4, warmup=2)
    assert result.scenario.name == "alpha"
    assert [(s.name, s.kind) for s in result.stages] == [
        ("VideoIn", "filter"),
        ("hop 1", "ipc"),
        ("Sink", "filter"),
    ]
    assert result.samples_ms == ((1.0, 2.25, 0.5),) * 4
    (entry,) = records(record)
    assert entry["argv"][:7] == ["run", "--scenario", "alpha", "--frames", "4", "--warmup", "2"]
    assert entry["argv"][7] == "--output"
    assert not Path(entry["argv"][8]).parent.exists()  # the private temp dir is gone


def test_wrap_prefixes_the_argv(worktree: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    side = make_side(worktree, FAKE_RECORD=str(record))
    run(side, wrap=["env", "USER_WRAPPED=yes"])
    assert records(record)[0]["env"]["USER_WRAPPED"] == "yes"


def test_stray_grandchildren_are_ended_after_a_clean_round(worktree: Path, tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    side = make_side(worktree, FAKE_MODE="stray", FAKE_PID_FILE=str(pid_file))
    run(side)
    leader, child = map(int, pid_file.read_text().split())
    assert not running(child)
    assert group_running(leader) == []


# ---------------------------------------------------------------- failures


def test_a_failing_round_names_side_ref_scenario_and_round(worktree: Path) -> None:
    side = make_side(worktree, FAKE_MODE="fail")
    with pytest.raises(HarnessFailed) as info:
        run(side, scenario="beta", round_index=2)
    failure = info.value
    message = str(failure)
    for part in ("head", "feature/x", "'beta'", "round 3", "exited with status 1"):
        assert part in message
    assert (failure.side, failure.ref, failure.scenario, failure.round_index) == (
        "head",
        "feature/x",
        "beta",
        2,
    )
    lines = failure.stderr_tail.splitlines()
    assert len(lines) == harness.STDERR_TAIL_LINES
    assert lines[-1] == "fake harness: scenario beta failed"
    assert "fake stderr line 0" not in failure.stderr_tail


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("no_output", "no results document was written"),
        ("invalid_json", "not valid JSON"),
        ("wrong_schema", "perf-waterfall/results@99"),
        ("wrong_scenario", "wrote results for scenario 'other'"),
        ("killed", "killed by SIGKILL"),
    ],
)
def test_unusable_output_is_a_harness_failure(worktree: Path, mode: str, expected: str) -> None:
    with pytest.raises(HarnessFailed) as info:
        run(make_side(worktree, FAKE_MODE=mode), round_index=0)
    message = str(info.value)
    assert expected in message and "'alpha'" in message and "round 1" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("fail", "exited with status 3"), ("invalid_json", "not valid JSON"), ("bad_name", "Bad")],
)
def test_a_failing_list_is_a_harness_failure(worktree: Path, mode: str, expected: str) -> None:
    with pytest.raises(HarnessFailed) as info:
        harness.list_scenarios(SPEC, make_side(worktree, FAKE_LIST_MODE=mode))
    assert expected in str(info.value) and "feature/x" in str(info.value)


def test_a_missing_program_is_a_harness_failure(worktree: Path) -> None:
    spec = HarnessSpec(argv=("/nonexistent/harness",))
    with pytest.raises(HarnessFailed, match="cannot start '/nonexistent/harness'"):
        harness.run_round(
            spec, make_side(worktree), scenario="a", frames=1, warmup=0, round_index=0, timeout=5
        )


def assert_group_gone(pid_file: Path) -> None:
    leader, child = map(int, pid_file.read_text().split())
    assert group_running(leader) == []
    assert not running(leader) and not running(child)


@pytest.mark.parametrize("mode", ["hang", "ignore_term"])
def test_a_hanging_harness_times_out_and_its_whole_group_ends(
    worktree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(procgroup, "TERM_GRACE_S", 0.3)
    pid_file = tmp_path / "pids"
    side = make_side(worktree, FAKE_MODE=mode, FAKE_PID_FILE=str(pid_file))
    with pytest.raises(HarnessFailed, match=r"round 1: timed out after 2s"):
        run(side, timeout=2.0)
    assert_group_gone(pid_file)


def _interrupt_when_written(path: Path, signum: int) -> threading.Thread:
    def send() -> None:
        wait_for_file(path)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(143)  # what the CLI's SIGTERM handler does


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, SystemExit)]
)
def test_an_interrupt_mid_round_ends_the_group_and_propagates(
    worktree: Path, tmp_path: Path, signum: int, raised: type[BaseException]
) -> None:
    pid_file = tmp_path / "pids"
    side = make_side(worktree, FAKE_MODE="hang", FAKE_PID_FILE=str(pid_file))
    old = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        thread = _interrupt_when_written(pid_file, signum)
        with pytest.raises(raised):
            run(side, timeout=60)
        thread.join()
    finally:
        signal.signal(signal.SIGTERM, old)
    assert_group_gone(pid_file)


# ---------------------------------------------------------------- setup and graft


def test_run_setup_runs_in_the_worktree(worktree: Path) -> None:
    spec = HarnessSpec(argv=SPEC.argv, setup=("{python}", "-c", "open('built', 'w').close()"))
    harness.run_setup(spec, make_side(worktree), timeout=30)
    assert (worktree / "built").exists()
    harness.run_setup(SPEC, make_side(worktree), timeout=30)  # no setup: nothing to do


def test_a_failing_setup_shows_its_output(worktree: Path) -> None:
    code = "import sys; print('compiler exploded', file=sys.stderr); sys.exit(4)"
    spec = HarnessSpec(argv=SPEC.argv, setup=("{python}", "-c", code))
    with pytest.raises(HarnessFailed, match=r"head \(feature/x\): setup: .*status 4") as info:
        harness.run_setup(spec, make_side(worktree), timeout=30)
    assert info.value.stderr_tail == "compiler exploded"


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_graft_copies_head_paths_into_base(tmp_path: Path) -> None:
    head, base = tmp_path / "head", tmp_path / "base"
    write_tree(head, {"bench/a.py": "new a", "bench/sub/b.py": "new b", "conf.toml": "new"})
    write_tree(base, {"bench/a.py": "old a", "bench/gone.py": "old", "runtime.py": "base's"})
    harness.graft(HarnessSpec(argv=("x",), graft=("bench", "conf.toml")), head, base)
    assert (base / "bench" / "a.py").read_text() == "new a"
    assert (base / "bench" / "sub" / "b.py").read_text() == "new b"
    assert not (base / "bench" / "gone.py").exists()  # the bench is head's, whole
    assert (base / "conf.toml").read_text() == "new"
    assert (base / "runtime.py").read_text() == "base's"


def test_graft_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "head").mkdir()
    (tmp_path / "base").mkdir()
    spec = HarnessSpec(argv=("x",), graft=("bench",))
    with pytest.raises(UsageError, match="'bench' does not exist"):
        harness.graft(spec, tmp_path / "head", tmp_path / "base")
