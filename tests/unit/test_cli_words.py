"""Options mean what their help says, and every complaint is one line in the project's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfwaterfall.cli import bundles
from perfwaterfall.errors import EXIT_INTERNAL, UsageError
from perfwaterfall.measure.selection import select
from tests.helpers.cli import run_cli
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ladder.bundle.json"
COMMANDS_WITH_THRESHOLD = ["show", "compare", "sweep", "calibrate", "bisect", "log"]
ALL_COMMANDS = [
    *COMMANDS_WITH_THRESHOLD,
    "run",
    "list",
    "init",
    "doctor",
    "cache clear",
    "cache path",
]


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e9"])
@pytest.mark.parametrize("command", COMMANDS_WITH_THRESHOLD)
def test_every_command_refuses_a_threshold_that_is_no_margin(capsys, command, value):
    args = [command, "--threshold", value, *(["x..y"] if command == "log" else ["x"])]
    code, out, err = run_cli(args, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("perf-waterfall: --threshold must be"), err


def test_show_with_a_good_threshold_still_renders(capsys):
    code, out, _ = run_cli(["show", FIXTURE, "--threshold", "50", "--format", "markdown"], capsys)
    assert code == 0 and "±50%" in out


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_help_reads_as_words(capsys, command):
    code, out, _ = run_cli([*command.split(), "--help"], capsys)
    assert code == 0
    assert not re.search(r"<(int|float|str|path|list\[)", out, flags=re.I), out
    assert "{" not in out.split("\n", 1)[0], out  # usage line: BUNDLE..., not {bundle}...
    if "--format" in out:
        assert re.search(r"--format (terminal\|)?\w+\|json", out), out
    if "--threshold" in out:
        assert "margin of 'same'" in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["compare", "--frames", "abc"], "--frames expects a whole number, got 'abc'"),
        (["compare", "--threshold", "x"], "--threshold expects a number, got 'x'"),
        (["show", FIXTURE, "--substages", "no"], "--substages expects one of changed, all, none"),
    ],
)
def test_bad_values_are_said_without_pydantic(capsys, args, said):
    code, _, err = run_cli(args, capsys)
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert "Input should be" not in err and "Value error" not in err


def test_global_flags_work_after_the_command(capsys):
    code, out, err = run_cli(["show", FIXTURE, "--no-color", "--debug"], capsys)
    assert code == 0, err
    assert "\x1b[" not in out and "4k_raw" in out


def test_a_long_error_is_one_line_whatever_the_width(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "40")
    missing = tmp_path / ("a-rather-long-directory-name-" * 4) / "bundle.json"
    code, _, err = run_cli(["show", missing], capsys)
    assert code == 2 and err.count("\n") == 1 and str(missing) in err


def test_a_bug_exits_seventy_not_as_a_failed_harness(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(bundles, "check_output", broken)
    code, _, err = run_cli(["show", FIXTURE], capsys)
    assert code == EXIT_INTERNAL == 70
    assert err == "perf-waterfall: internal error: ZeroDivisionError: division by zero " + (
        "(rerun with --debug)\n"
    )


def test_scenario_patterns_select_in_order_and_refuse_what_matches_nothing():
    listed = ["4k_raw", "4k_jpg", "480p_raw", "1080p_raw"]
    assert select(["4k_*"], listed, "HEAD") == ["4k_raw", "4k_jpg"]
    assert select(["*_raw", "4k_raw"], listed, "HEAD") == ["4k_raw", "480p_raw", "1080p_raw"]
    assert select(["4k_?aw"], listed, "HEAD") == ["4k_raw"]
    with pytest.raises(
        UsageError,
        match=r"no scenario matches '8k_\*' at HEAD; the harness "
        r"lists: 4k_raw, 4k_jpg, 480p_raw, 1080p_raw",
    ):
        select(["8k_*"], listed, "HEAD")
    with pytest.raises(UsageError, match="unknown scenario '4k' at HEAD"):
        select(["4k"], listed, "HEAD")


def test_list_before_and_right_after_init_speaks_of_one_side(capsys, tmp_path, monkeypatch):
    repo = build_repo(tmp_path / "repo", SAMPLE_OPS)
    monkeypatch.chdir(repo)
    code, _, err = run_cli(["list"], capsys)
    assert code == 2 and "perf-waterfall init" in err and "both sides" not in err
    assert run_cli(["init"], capsys).code == 0
    code, _, err = run_cli(["list"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.rstrip().endswith("`perf-waterfall list WORKTREE` lists it as it is now")
