"""`perf-waterfall log` on a repository whose stage times are known per commit."""

from __future__ import annotations

import json

import pytest

from tests.helpers.cli import run_cli
from tests.helpers.gitrepo import registered_worktrees
from tests.integration.history_repo import history_repo

pytestmark = pytest.mark.slow

QUICK = ["--frames", "3", "--warmup", "0", "-s", "pipe"]
FIXED = ["--rounds", "3"]


def log(repo, shas, capsys, *args):
    span = f"{shas[0][:7]}..{shas[-1][:7]}"
    return run_cli(
        ["log", span, "--repo", repo, "--cache", repo.parent / "cache", *QUICK, *args], capsys
    )


def test_the_step_is_marked_at_its_row_in_every_format(tmp_path, capsys, wide):
    repo, shas = history_repo(tmp_path / "r", [20.0] * 6 + [22.0] * 4, broken=[3])
    code, out, err = log(repo, shas, capsys, "--format", "json")
    assert code == 0, err
    (series,) = json.loads(out)["series"]
    points = series["points"]
    assert [p["sha"] for p in points] == shas[1:]  # git's range: START is not in it
    slower = [
        p["short"]
        for p in points
        if p["vs_previous"] and p["vs_previous"]["stages"]["Detector"]["verdict"] == "slower"
    ]
    assert slower == [shas[6][:7]]
    assert points[2]["failure"] and "harness" in points[2]["failure"]  # commit 3
    # commit 4 is compared with commit 2, the last one measured before it
    assert points[3]["vs_previous"]["stages"]["Detector"]["verdict"] == "same"
    assert registered_worktrees(repo) == []
    # the change-point test puts the step at the same row, in the Detector and the frame
    steps = series["change_points"]
    assert [c["sha"] for c in steps["stages"]["Detector"]] == [shas[6]]
    assert [c["sha"] for c in steps["frame"]] == [shas[6]]
    assert not any(found for name, found in steps["stages"].items() if name != "Detector")
    detector = steps["stages"]["Detector"][0]
    assert detector["low_pct"] < 10 < detector["high_pct"]

    # markdown and the terminal come from the cache: the same rows, the same mark
    code, md, _ = log(repo, shas, capsys, "--format", "markdown")
    marked = [ln for ln in md.splitlines() if "▲" in ln and ln.startswith("| `")]
    assert len(marked) == 1 and f"`{shas[6][:7]}`" in marked[0] and "22.0 ▲ +10" in marked[0]
    assert marked[0].count("▲") == 2 and "% … +" in marked[0]  # frame and Detector
    assert "| **trend** |" in md
    code, text, _ = log(repo, shas, capsys)
    lines = text.splitlines()
    at = next(i for i, ln in enumerate(lines) if shas[6][:7] in ln)
    assert "▲" in lines[at] and "% … +" in lines[at + 1]  # the interval under the step
    assert sum("▲ +" in ln for ln in lines) == 1
    assert "▁▁ ▁▁████" in text  # Detector's sparkline; a gap for commit 3


def test_step_measures_every_nth_commit_back_from_the_newest(tmp_path, capsys):
    repo, shas = history_repo(tmp_path / "r", [20.0] * 5 + [22.0] * 4)
    code, out, err = log(repo, shas, capsys, "--format", "json", "--step", "3")
    assert code == 0, err
    (series,) = json.loads(out)["series"]
    assert [p["sha"] for p in series["points"]] == [shas[2], shas[5], shas[8]]


def test_bad_range_is_one_line_and_exit_two(tmp_path, capsys):
    repo, shas = history_repo(tmp_path / "r", [20.0] * 2)
    for span in ("main", "nope..main", f"{shas[-1]}..{shas[0]}"):
        code, _, err = run_cli(["log", span, "--repo", repo], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_auto_rounds_go_to_the_steps_still_undecided(tmp_path, capsys):
    # With --threshold 0 nothing can be "same": a flat step stays undecided and gets
    # rounds up to the maximum, while the 2 ms step is decided with the first five.
    repo, shas = history_repo(tmp_path / "r", [20.0, 20.0, 22.0, 22.0])
    args = ["--format", "json", "--rounds", "auto", "--max-rounds", "8", "--threshold", "0"]
    code, out, err = log(repo, shas, capsys, *args)
    assert code == 0, err
    (series,) = json.loads(out)["series"]
    steps = [p["vs_previous"] for p in series["points"]]
    assert steps[0] is None
    assert (steps[1]["rounds"], steps[1]["frame"]["verdict"]) == (5, "slower")
    assert (steps[2]["rounds"], steps[2]["frame"]["verdict"]) == (8, "undecided")
