"""History kept in the store: 30 commits recorded one by one with `record`, published,
and read in Chromium (network off); `log` over recorded commits measures nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from perfwaterfall.cli.app import main
from tests.helpers.browser import chromium
from tests.helpers.cli import run_cli
from tests.integration.recorded_repo import DETECTOR_STEP, QUICK, SEND_STEP, recorded_repo

pytestmark = pytest.mark.slow
FRAMES = ["--frames", "3", "--warmup", "0"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The repository, its shas, and a store with every commit recorded by `record`."""
    root = tmp_path_factory.mktemp("history")
    repo, shas = recorded_repo(root / "repo")
    store = root / "store.sqlite"
    for sha in shas:
        assert main(["record", sha, "--repo", str(repo), "--store", str(store), *QUICK]) == 0
    return repo, shas, store


@pytest.fixture(scope="module")
def site(recorded, tmp_path_factory):
    repo, _, store = recorded
    directory = tmp_path_factory.mktemp("site")
    assert main(["publish", str(directory), "--repo", str(repo), "--store", str(store)]) == 0
    return directory


def offline_page(browser):
    """A page whose every request but file:// is refused and counted."""
    context = browser.new_context(offline=True, viewport={"width": 1220, "height": 900})
    page = context.new_page()
    page.errors, page.remote = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            page.remote.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return context, page


def test_the_page_finds_both_steps_with_hover_and_waterfall(recorded, site):
    _, shas, _ = recorded
    detector, send = shas[DETECTOR_STEP], shas[SEND_STEP]
    with chromium() as browser:
        context, page = offline_page(browser)
        page.goto((site / "index.html").as_uri())
        rows = page.locator("tr.mark")
        marks = {
            (rows.nth(i).get_attribute("data-commit"), rows.nth(i).get_attribute("data-line"))
            for i in range(rows.count())
        }
        stage_marks = {m for m in marks if m[1] != "frame"}
        assert stage_marks == {
            (detector, "Detector"),
            (send, "hop 2"),
            (send, "hop 2 / send"),
        }
        assert {c for c, _ in marks} == {detector, send}
        row = page.locator(f'tr.mark[data-commit="{detector}"][data-line="Detector"]')
        assert "the Detector does more work" in row.inner_text()
        assert "+15." in row.inner_text()  # the step's size, 20 -> 23 ms

        page.locator("a", has_text="pipe").first.click()
        marker = page.locator(f'a.cp-link[data-line="Detector"][data-commit="{detector}"] circle')
        marker.hover()
        tip = page.locator("#pw-tip")
        assert tip.is_visible()
        assert detector[:7] in tip.inner_text()
        assert "the Detector does more work" in tip.inner_text()
        plain = page.locator('svg.pw-chart[data-chart="c0"] rect.plot')  # the frame chart
        box = plain.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 2.5 / 30, box["y"] + box["height"] / 2)
        assert shas[2][:7] in tip.inner_text() and "change 2" in tip.inner_text()

        marker.click()
        assert "/waterfalls/" in page.url
        text = page.locator("body").inner_text()
        assert detector[:7] in text and shas[DETECTOR_STEP - 1][:7] in text
        assert "Detector" in text and "slower" in text
        assert page.errors == [] and page.remote == []
        context.close()


def test_log_over_recorded_commits_measures_nothing(recorded, tmp_path, capsys, monkeypatch):
    repo, shas, store = recorded
    started = tmp_path / "started"
    monkeypatch.setenv("HISTORY_STARTED", str(started))
    span = f"{shas[0][:7]}..{shas[-1][:7]}"
    began = time.monotonic()
    code, out, err = run_cli(
        ["log", span, "--repo", repo, "--store", store, *FRAMES, "--recorded", "--format", "json"],
        capsys,
    )
    took = time.monotonic() - began
    assert code == 0, err
    assert not started.exists()  # no round ran
    (series,) = json.loads(out)["series"]
    assert [p["sha"] for p in series["points"]] == shas[1:]
    detector = [p["stage_ms"]["Detector"] for p in series["points"]]
    assert max(detector[: DETECTOR_STEP - 1]) < 21 < 22 < min(detector[DETECTOR_STEP - 1 :])
    print(f"log --recorded over {len(shas) - 1} recorded commits: {took:.2f} s")

    code, out, _ = run_cli(["record", shas[3], "--repo", repo, "--store", store, *QUICK], capsys)
    assert code == 0 and "recorded already" in out and not started.exists()


def test_fill_missing_measures_only_the_commits_the_store_lacks(tmp_path, capsys, monkeypatch):
    repo, shas = recorded_repo(tmp_path / "r", commits=6)
    store = tmp_path / "store.sqlite"
    for sha in shas[0::2]:
        assert run_cli(["record", sha, "--repo", repo, "--store", store, *QUICK], capsys)[0] == 0
    started = tmp_path / "started"
    monkeypatch.setenv("HISTORY_STARTED", str(started))
    args = ["log", f"{shas[0]}..{shas[-1]}", "--repo", repo, "--store", store, *FRAMES]
    code, out, err = run_cli([*args, "--rounds", "3", "--fill-missing", "--format", "json"], capsys)
    assert code == 0, err
    assert {line.split()[0] for line in started.read_text().splitlines()} == set(shas[1::2])
    assert all(p["frame_ms"] for p in json.loads(out)["series"][0]["points"])
    started.unlink()
    code, _, err = run_cli([*args, "--rounds", "3", "--fill-missing"], capsys)
    assert code == 0 and not started.exists(), err


def test_two_machines_are_two_logs_and_two_sections(recorded, tmp_path, capsys):
    repo, shas, store = recorded
    mine = tmp_path / "store.sqlite"
    # SQLite's own copy: in WAL mode the file alone may not hold the last commits yet
    with closing(sqlite3.connect(store)) as source, closing(sqlite3.connect(mine)) as copy:
        source.backup(copy)
    bundle = tmp_path / "run.json"
    code, _, err = run_cli(["run", shas[-1], "--repo", repo, "--save", bundle, *QUICK], capsys)
    assert code == 0, err
    data = json.loads(bundle.read_text())
    data["machine"]["cpu"] = "Another CPU"
    bundle.write_text(json.dumps(data))
    code, out, err = run_cli(["store", "import", bundle, "--repo", repo, "--store", mine], capsys)
    assert code == 0 and shas[-1][:12] in out, err
    code, out, _ = run_cli(["store", "import", bundle, "--repo", repo, "--store", mine], capsys)
    assert "imported before" in out

    span = f"{shas[0]}..{shas[-1]}"
    code, out, err = run_cli(
        ["log", span, "--repo", repo, "--store", mine, *FRAMES, "--recorded", "--format", "json"],
        capsys,
    )
    assert code == 0, err
    here, other = json.loads(out)
    assert other["machine"]["cpu"] == "Another CPU" != here["machine"]["cpu"]
    measured = [p for p in other["series"][0]["points"] if p["frame_ms"] is not None]
    assert [p["sha"] for p in measured] == [shas[-1]]  # its own commit only
    site = tmp_path / "site"
    assert run_cli(["publish", site, "--repo", repo, "--store", mine], capsys)[0] == 0
    assert (site / "index.html").read_text().count("<h2>Machine ") == 2


def test_a_truncated_store_is_refused_by_every_command_and_left_alone(recorded, tmp_path, capsys):
    repo, shas, store = recorded
    cut = tmp_path / "cut.sqlite"
    data = store.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    before = hashlib.sha256(cut.read_bytes()).hexdigest()
    span = f"{shas[0]}..{shas[-1]}"
    for args in (
        ["publish", tmp_path / "site", "--store", cut, "--repo", repo],
        ["log", span, "--repo", repo, "--store", cut, *FRAMES, "--recorded"],
        ["record", shas[0], "--repo", repo, "--store", cut, *QUICK],
        ["store", "import", tmp_path / "none.json", "--repo", repo, "--store", cut],
    ):
        code, _, err = run_cli(args, capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "damaged" in err and "left untouched" in err
    assert hashlib.sha256(cut.read_bytes()).hexdigest() == before
    assert not Path(f"{cut}-wal").exists()
