"""Numbers no float can hold: a failed round or an invalid bundle, never an internal error.

JSON has no limit on an integer's digits, and ``1e999`` decodes to infinity: a
harness or a bundle can hand us either wherever a number goes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from perfwaterfall.cli.app import main
from tests.helpers.fake_harness import FAKE_HARNESS

FIXTURES = Path(__file__).parents[1] / "fixtures"
BUNDLE = json.loads((FIXTURES / "hostile.bundle.json").read_text())
HUGE = "1" + "0" * 400
# The fake harness, then the last sample of scenario beta replaced by the raw JSON in $HOSTILE.
WRAPPER = """
import json, os, runpy, sys
args = sys.argv[1:]
sys.argv = [FAKE, *args]
sys.path.insert(0, os.path.dirname(FAKE))  # as running the fake as a script would
try:
    runpy.run_path(FAKE, run_name="__main__")
except SystemExit as done:
    status = done.code
opts = dict(zip(args[1::2], args[2::2]))
if args[0] == "run" and opts["--scenario"] == "beta" and os.environ.get("HOSTILE"):
    doc = json.load(open(opts["--output"]))
    doc["samples_ms"][-1][-1] = "@@"
    open(opts["--output"], "w").write(json.dumps(doc).replace('"@@"', os.environ["HOSTILE"]))
sys.exit(status)
"""
PROFILE = {
    "rate": 100,
    "problems": [],
    "scenarios": {
        "weird.name": [
            {"frames": 10, "svg": "b.svg", "folded": [[["main (a.py:1)", "f (a.py:2)"], 5]]},
            {"frames": 10, "svg": "h.svg", "folded": [[["main (a.py:1)", "g (a.py:3)"], 7]]},
        ]
    },
}


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")


@pytest.mark.parametrize("token", [HUGE, "-" + HUGE, "1e999", "-1e999"])
def test_a_sample_no_float_holds_fails_its_round_and_keeps_the_others(
    token: str, fake_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    harness = tmp_path / "hostile_harness.py"
    harness.write_text(f"FAKE = {str(FAKE_HARNESS)!r}\n{WRAPPER}")
    saved = tmp_path / "cmp.json"
    args = ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", f"{{python}} {harness}"]
    args += ["--frames", "2", "--warmup", "0", "--rounds", "2", "-s", "alpha", "-s", "beta"]
    code = main([*args, "--head-env", f"HOSTILE={token}", "--save", str(saved), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    failure = json.loads(saved.read_text())["failure"]["message"]
    assert failure.startswith("head (HEAD), scenario 'beta', round 1: "), failure
    assert "sample row 1" in failure, failure
    report = json.loads(out)
    assert [s["name"] for s in report["scenarios"]] == ["alpha"]  # the other rounds stand


def _with(edit: Any) -> str:
    """The hostile fixture with ``edit`` applied; ``"@@"`` then becomes a raw JSON token."""
    doc = copy.deepcopy(BUNDLE)
    token = edit(doc)
    return json.dumps(doc).replace('"@@"', token)


def _sample(doc: dict[str, Any]) -> list[Any]:
    row: list[Any] = doc["sides"][1]["rounds"]["weird.name"][2]["samples_ms"][0]
    return row


def _profile(doc: dict[str, Any]) -> dict[str, Any]:
    doc["extra"] = {"profile": copy.deepcopy(PROFILE)}
    profile: dict[str, Any] = doc["extra"]["profile"]
    return profile


def _round(doc: dict[str, Any], key: str) -> dict[str, Any]:
    part: dict[str, Any] = doc["sides"][0]["rounds"]["weird.name"][0][key]
    return part


def _set(value: str, where: Any, key: Any) -> str:
    where[key] = "@@"
    return value


BAD_BUNDLES = {
    "sample-huge": lambda d: _set(HUGE, _sample(d), 1),
    "sample-minus-huge": lambda d: _set("-" + HUGE, _sample(d), 1),
    "sample-infinite": lambda d: _set("1e999", _sample(d), 1),
    "sample-nan": lambda d: _set("NaN", _sample(d), 1),
    "sample-negative": lambda d: _set("-0.5", _sample(d), 1),
    "frames-huge": lambda d: _set(HUGE, d, "frames"),
    "warmup-huge": lambda d: _set(HUGE, d, "warmup"),
    "rounds-huge": lambda d: _set(HUGE, d, "rounds"),
    "commits-total-huge": lambda d: _set(HUGE, d, "commits_total"),
    "cores-huge": lambda d: _set(HUGE, d["machine"], "cores"),
    "profile-rate-zero": lambda d: _set("0", _profile(d), "rate"),
    "profile-rate-infinite": lambda d: _set("1e999", _profile(d), "rate"),
    "profile-rate-huge": lambda d: _set(HUGE, _profile(d), "rate"),
    "profile-frames-zero": lambda d: _set("0", _profile(d)["scenarios"]["weird.name"][0], "frames"),
    "profile-frames-infinite": lambda d: _set(
        "1e999", _profile(d)["scenarios"]["weird.name"][1], "frames"
    ),
    "profile-count-infinite": lambda d: _set(
        "1e999", _profile(d)["scenarios"]["weird.name"][0]["folded"][0], 1
    ),
    "profile-count-huge": lambda d: _set(
        HUGE, _profile(d)["scenarios"]["weird.name"][0]["folded"][0], 1
    ),
    "meta-infinite": lambda d: _set("1e999", _round(d, "meta"), "x"),
    "params-huge": lambda d: _set(HUGE, _round(d, "scenario")["params"], "n"),
}


@pytest.mark.parametrize("case", list(BAD_BUNDLES))
@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_a_bundle_number_no_float_holds_is_an_invalid_bundle(
    case: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(_with(BAD_BUNDLES[case]))
    code = main(["show", str(path), "--format", fmt])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith(f"perf-waterfall: {path}"), err


def test_the_profile_fixture_itself_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.json"
    path.write_text(_with(lambda d: _set("100", _profile(d), "rate")))
    assert main(["show", str(path)]) == 0, capsys.readouterr().err
