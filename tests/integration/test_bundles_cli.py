"""Bundles, formats, pictures and sweep through the real CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers.cli import CliResult, run_cli
from tests.helpers.gitrepo import registered_worktrees

pytestmark = pytest.mark.usefixtures("wide")

FAST = ["--frames", "3", "--rounds", "4", "--warmup", "0"]


def quick(capsys, repo: Path, *args: object) -> CliResult:
    """``ARGS --repo REPO`` with few frames and rounds, in process."""
    return run_cli([*args, "--repo", repo, *FAST], capsys)


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "json"])
def test_save_then_show_renders_the_same(repo, tmp_path, capsys, fmt):
    bundle = tmp_path / "cmp.json"
    live = tmp_path / f"live.{fmt}"
    code, _, err = quick(
        capsys, repo, "compare", "base", "HEAD", "--format", fmt, "-o", live, "--save", bundle
    )
    assert code == 0, err
    shown = tmp_path / f"shown.{fmt}"
    code, _, err = run_cli(["show", bundle, "--format", fmt, "-o", shown], capsys)
    assert code == 0, err
    assert shown.read_text() == live.read_text()
    assert live.read_text().strip()


def test_show_to_stdout_and_pictures(repo, tmp_path, capsys):
    bundle = tmp_path / "cmp.json"
    svg, html = tmp_path / "cmp.svg", tmp_path / "cmp.html"
    pictures = ["--save", bundle, "--svg", svg, "--html", html]
    code, _, err = quick(capsys, repo, "compare", "base", "HEAD", "-s", "pipe", *pictures)
    assert code == 0, err
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg")
    assert "#f85149" in svg.read_text().lower()  # the truecolor 'slower' red survives
    assert "<html" in html.read_text().lower()
    code, out, _ = run_cli(["show", bundle, "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["scenarios"][0]["name"] == "pipe"


def test_run_twice_then_show_base_head(repo, tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert quick(capsys, repo, "run", "base", "-s", "pipe", "--save", a).code == 0
    code, out, _ = quick(capsys, repo, "run", "HEAD", "-s", "pipe", "--save", b)
    assert code == 0 and "pipe" in out and str(b) in out
    code, out, err = run_cli(["show", a, b, "--format", "markdown"], capsys)
    assert code == 0, err
    assert "**slower**" in out and "base" in out
    assert registered_worktrees(repo) == []


def test_gate_on_a_real_regression_exits_three(repo, capsys):
    code, _, err = quick(
        capsys, repo, "compare", "base", "HEAD", "-s", "pipe", "--fail-on-regression", "5"
    )
    assert code == 3 and "pipe frame time" in err


def test_gate_on_an_improvement_exits_zero(repo, capsys):
    code, _, _ = quick(
        capsys, repo, "compare", "HEAD", "base", "-s", "pipe", "--fail-on-regression", "0"
    )
    assert code == 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"format": "perf-waterfall/bundle@99", "sides": []}', "bundle@99"),
        ('{"format": "perf-waterfall/bundle@1", "sides": [', "not valid JSON"),
        ('{"schema": "perf-waterfall/results@1"}', "not a perf-waterfall bundle"),
        ('{"format": "perf-waterfall/bundle@1", "sides": "x"}', "malformed bundle"),
        ("\xff\xfe garbage", "not valid JSON"),
    ],
)
def test_bad_bundles_are_one_line_and_exit_two(tmp_path, capsys, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="latin-1")
    code, _, err = run_cli(["show", path], capsys)
    assert code == 2 and err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_a_missing_bundle_and_a_directory_are_exit_two(tmp_path, capsys):
    assert run_cli(["show", tmp_path / "nope.json"], capsys)[0] == 2
    code, _, err = run_cli(["show", tmp_path], capsys)
    assert code == 2 and "directory" in err


def test_a_bad_output_directory_is_refused_before_measuring(repo, tmp_path, capsys):
    code, _, err = run_cli(
        ["compare", "base", "HEAD", "--repo", repo, "-o", tmp_path / "no" / "x"], capsys
    )
    assert code == 2 and "does not exist" in err


def test_sweep_of_the_real_scenarios_has_one_row_per_value(tmp_path, capsys, monkeypatch):
    """The real harness at tiny frames, on this repository's own WORKTREE."""
    monkeypatch.setenv("SCENARIOS_SCALE", "0.02")
    root = Path(__file__).parents[2]
    bundle = tmp_path / "sweep.json"
    code, out, err = run_cli(
        [
            "sweep",
            "WORKTREE",
            "--repo",
            root,
            "--env",
            "SCENARIOS_TRANSPORT=copy,memoryview,nocopy",
            "-s",
            "480p_raw",
            "--frames",
            "3",
            "--rounds",
            "2",
            "--warmup",
            "1",
            "--format",
            "markdown",
            "--save",
            bundle,
        ],
        capsys,
    )
    assert code == 0, err
    # The first table is the sweep's; tables of each hop by its parts follow it.
    first = out.split("\n\n| ", 1)[1].split("\n\n", 1)[0]
    rows = [ln for ln in first.splitlines()[1:] if ln.startswith("| ") and "---" not in ln]
    assert [r.split("|")[1].strip() for r in rows] == ["copy", "memoryview", "nocopy"]
    code, shown, _ = run_cli(["show", bundle, "--format", "markdown"], capsys)
    assert code == 0 and shown == out


def test_a_sweep_whose_value_fails_says_why_in_every_format(tmp_path, capsys, monkeypatch):
    """A failed round is shown, not just an exit status: terminal, markdown and `show`."""
    monkeypatch.setenv("SCENARIOS_SCALE", "0.02")
    root = Path(__file__).parents[2]
    bundle = tmp_path / "sweep.json"
    args = ["sweep", "WORKTREE", "--repo", root, "--env", "SCENARIOS_TRANSPORT=nocopy,bogus"]
    args += ["-s", "480p_raw", "--frames", "2", "--rounds", "1", "--warmup", "0"]
    code, out, _ = run_cli([*args, "--format", "markdown", "--save", bundle], capsys)
    assert code == 1
    assert "**Run failed:**" in out and "harness exited with status 2" in out
    code, out, _ = run_cli(["--no-color", "show", bundle], capsys)
    assert code == 1
    assert "Run failed" in out and "'bogus' is not a transport" in out
