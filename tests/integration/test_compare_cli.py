"""`perf-waterfall compare` on real temporary repositories with a harness committed in them.

The harness (bench.py, written into each repository) reports stage times read from
timings.json at its own ref, with a little seeded jitter, so each commit has known
stage times and the rendered verdicts are known.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.helpers.cli import CliResult, cli_argv, run_cli
from tests.helpers.gitrepo import build_repo, registered_worktrees, run_git, user_state
from tests.helpers.processes import running
from tests.integration.conftest import BENCH_FILES, timings

pytestmark = pytest.mark.usefixtures("wide")


def delta_ms(line: str) -> float:
    """The '+2.00 ms' annotation of a waterfall row."""
    return float(re.search(r"([+-]\d+\.\d+) ms", line).group(1))


def compare(capsys, repo: Path, base: str, head: str, *opts: str) -> CliResult:
    """``compare BASE HEAD --repo REPO --warmup 0 OPTS``, in process."""
    return run_cli(["compare", base, head, "--repo", repo, "--warmup", "0", *opts], capsys)


def line_of(text: str, stage: str, after: bool = True) -> str:
    lines = [ln for ln in text.splitlines() if ln.lstrip("│ ").startswith(stage)]
    return lines[-1] if after else lines[0]


def test_a_two_ms_slowdown_is_marked_slower_and_the_rest_same(repo, capsys):
    before = user_state(repo)
    code, out, err = compare(
        capsys, repo, "base", "HEAD", "--frames", "5", "--rounds", "5", "--waterfall", "pipe"
    )
    assert code == 0, err
    detector = line_of(out, "Detector")
    assert delta_ms(detector) == pytest.approx(2.0, abs=0.05) and "~" not in detector
    for stage in ("VideoIn", "hop 1", "hop 2", "Sink"):
        assert "~" in line_of(out, stage), stage
    assert "Detector takes 2 ms more" in out  # the commits between
    assert "slower" in out and "same ±" in out  # pipe slower, other the same
    assert user_state(repo) == before
    assert registered_worktrees(repo) == []


def test_a_ref_against_itself_marks_nothing(repo, capsys):
    code, out, _ = compare(capsys, repo, "HEAD", "HEAD", "--frames", "5", "-s", "pipe")
    assert code == 0
    for stage in ("VideoIn", "hop 1", "Detector", "hop 2", "Sink"):
        assert "~" in line_of(out, stage), stage
    table_row = next(ln for ln in out.splitlines() if ln.lstrip().startswith("pipe "))
    assert "same ±" in table_row
    verdicts = [ln for ln in out.splitlines() if "ms" in ln or ln.lstrip().startswith("pipe ")]
    assert not [ln for ln in verdicts if "slower" in ln or "faster" in ln], out


def test_worktree_side_measures_uncommitted_edits_without_touching_them(repo, capsys):
    (repo / "timings.json").write_text(timings(30.0))
    before = user_state(repo)
    code, out, _ = compare(capsys, repo, "HEAD", "WORKTREE", "--frames", "5", "-s", "pipe")
    assert code == 0
    assert delta_ms(line_of(out, "Detector")) == pytest.approx(8.0, abs=0.1)
    assert user_state(repo) == before
    assert registered_worktrees(repo) == []


def test_works_from_a_subdirectory_with_default_base(repo, capsys, monkeypatch):
    (repo / "sub" / "dir").mkdir(parents=True)
    monkeypatch.chdir(repo / "sub" / "dir")
    # no origin/main: the base falls back to main, which is HEAD here
    code, out, err = run_cli(
        ["compare", "--frames", "3", "--rounds", "4", "--warmup", "0", "-s", "other"], capsys
    )
    assert code == 0, err
    assert "main" in out


def test_a_warning_when_rounds_are_too_few_for_a_verdict(repo, capsys):
    code, out, _ = compare(
        capsys, repo, "base", "HEAD", "--frames", "3", "--rounds", "2", "-s", "pipe"
    )
    assert code == 0
    assert "too few for a verdict" in out and "--rounds auto" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["compare", "nope", "HEAD"], "nope"),
        (["compare", "--", "-x", "HEAD"], "-x"),
        (["compare", "base", "HEAD", "-s", "missing"], "unknown scenario 'missing'"),
        (["compare", "base", "HEAD", "--frames", "0"], "--frames"),
        (["compare", "base", "HEAD", "--base-env", "NOEQUALS"], "--base-env"),
        (["compare", "base", "HEAD", "--bogus"], "--bogus"),
        (["list", "nope"], "nope"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(repo, capsys, args, fragment):
    code, _out, err = run_cli([args[0], "--repo", str(repo), *args[1:]], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("perf-waterfall: ") and fragment in err
    assert "Traceback" not in err
    assert registered_worktrees(repo) == []


def test_not_a_repository_is_exit_two(tmp_path, capsys):
    code, _, err = run_cli(["compare", "a", "b", "--repo", str(tmp_path)], capsys)
    assert code == 2 and "not inside a git repository" in err and err.count("\n") == 1


def test_harness_failure_keeps_finished_scenarios_and_exits_one(repo, capsys):
    # scenarios run in the order listed: "pipe" completes, then "other" fails on head
    opts = ["--frames", "3", "--rounds", "4", "--head-env", "BENCH_FAIL=other"]
    code, out, _err = compare(capsys, repo, "base", "HEAD", *opts)
    assert code == 1
    assert "Run failed" in out and "head (HEAD)" in out and "'other'" in out and "round 1" in out
    assert "simulated failure" in out  # the harness's stderr tail
    assert "Frame waterfall" in out and "pipe" in out
    assert registered_worktrees(repo) == []


def test_list_shows_the_scenarios_at_a_ref(repo, capsys):
    code, out, _ = run_cli(["list", "base", "--repo", str(repo)], capsys)
    assert code == 0
    assert "pipe" in out and "PIPE" in out and "other" in out


def start_slow_compare(repo: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A compare CLI in a session of its own whose first round sleeps 30 s; returns once the
    harness of that round has started (it writes its pid to the returned file)."""
    started = tmp_path / "harness-started"
    env = {**os.environ, "BENCH_SLEEP": "30", "COLUMNS": "100", "BENCH_STARTED": str(started)}
    proc = subprocess.Popen(
        cli_argv("compare", "base", "HEAD", "--repo", repo, "--frames", "3", "-s", "pipe"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not started.exists():
        if proc.poll() is not None:
            pytest.fail(f"the CLI ended before its harness ran: {proc.communicate()[1]!r}")
        time.sleep(0.05)
    if not started.exists():
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the harness never started within 60 s")
    return proc, started


def harness_alive(started: Path) -> bool:
    return any(running(int(pid)) for pid in started.read_text().split())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_round_removes_worktrees_and_harness(repo, tmp_path, sig):
    before = user_state(repo)
    proc, started = start_slow_compare(repo, tmp_path)
    os.kill(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=15)
    finally:  # a CLI that ignored the signal must not outlive the test
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert b"interrupted" in err and b"Traceback" not in err
    assert registered_worktrees(repo) == []
    assert not harness_alive(started)
    assert user_state(repo) == before


def test_the_installed_entry_point_runs(repo):
    exe = Path(sys.executable).with_name("perf-waterfall")
    done = subprocess.run(
        [str(exe), "list", "--repo", str(repo)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "pipe" in done.stdout
    assert run_git(repo, "worktree", "list").count("\n") == 1


PYPROJECT_WITH_GRAFT = (
    '[tool.perf-waterfall]\nharness = ["{python}", "bench.py"]\n'
    'graft = ["bench.py", "fake_results.py"]\n'
)


def test_same_harness_runs_heads_bench_on_a_base_that_predates_it(tmp_path, capsys):
    """Base has no bench.py at all; --same-harness grafts head's into the base worktree."""
    repo = build_repo(
        tmp_path / "r",
        [
            ("write", "timings.json", timings(20.0)),
            ("commit", "runtime only"),
            ("branch", "old"),
            *BENCH_FILES,
            ("write", "pyproject.toml", PYPROJECT_WITH_GRAFT),
            ("commit", "add the bench"),
        ],
    )
    args = ["compare", "old", "HEAD", "--repo", str(repo), "--frames", "3", "--rounds", "4"]
    code, _, err = run_cli(args, capsys)
    assert code == 1 and "base (old)" in err  # no harness at base
    code, out, err = run_cli([*args, "--same-harness"], capsys)
    assert code == 0, err
    assert "Frame waterfall" in out
    assert registered_worktrees(repo) == []


def test_worktrees_of_a_killed_run_are_swept_by_the_next(repo, tmp_path, capsys):
    proc, started = start_slow_compare(repo, tmp_path)
    os.killpg(proc.pid, signal.SIGKILL)  # no cleanup can run
    proc.wait()
    for pid in started.read_text().split():  # the harness has a session of its own
        os.kill(int(pid), signal.SIGKILL)
    assert len(registered_worktrees(repo)) == 2
    # The round it was in left its scratch directory too (the harness's output files).
    scratch = list(Path(tempfile.gettempdir()).glob(f"perf-waterfall-round-{proc.pid}-*"))
    assert len(scratch) == 1
    args = ["compare", "base", "HEAD", "--repo", str(repo), "-s", "pipe", "--frames", "3"]
    code, out, err = run_cli([*args, "--rounds", "4", "--warmup", "0"], capsys)
    assert code == 0, err
    assert "removed 2 worktree(s) left behind by an earlier run" in out
    assert registered_worktrees(repo) == []
    assert not scratch[0].exists()
