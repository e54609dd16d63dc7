"""Escape sequences in every string from outside: shown, never sent to the terminal.

A bundle, a results document, a commit subject or a harness's stderr can hold
``ESC ] 0 ;`` (set the terminal title), ``ESC [ 2 J`` (clear the screen) or a
right-to-left override that makes a name read backwards. Each must reach every
output as visible text such as ``\\x1b``.
"""

from __future__ import annotations

import copy
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from perfwaterfall.cli.app import main
from perfwaterfall.protocol.sanitize import UNSAFE
from perfwaterfall.store import bundle as bundles
from tests.faults.fuzz_inputs import NESTED_BUNDLE
from tests.faults.tools import FAKE
from tests.helpers.fake_harness import FAKE_HARNESS
from tests.helpers.gitrepo import SAMPLE_OPS, build_repo

FIXTURES = Path(__file__).parents[1] / "fixtures"
HOSTILE = FIXTURES / "hostile.bundle.json"
EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202eevil\u2066\x9b1m\x00\x7f"
SHOWN_EVIL = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31m\\u202eevil\\u2066\\x9b1m\\x00\\x7f"
# Strings whose meaning is checked (an invalid one is refused instead of shown).
CHECKED = {"format", "schema", "kind", "name"}
FREE = {"env", "params", "meta"}  # mappings whose keys are data too
SGR = re.compile(rb"\x1b\[[0-9;]*m")  # what rich itself writes for styles


def _poison(value: Any, key: Any = None, free: bool = False) -> Any:
    """Every string with EVIL in it (keys of free-form mappings too), but checked names."""
    if isinstance(value, dict):
        free = free or key in FREE
        return {(k + EVIL if free else k): _poison(v, k, free) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key, free) for v in value]
    if isinstance(value, str) and (free or key not in CHECKED):
        return value + EVIL
    return value


def evil_bundle(*, failure: bool = True, sweep: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(json.loads(HOSTILE.read_text()))
    for side in doc["sides"]:
        side["env"] = {"K": "v"}
        for result in side["rounds"]["weird.name"]:
            result["scenario"]["params"] = {"p": "q"}
            result["meta"] = {"m": ["n", {"o": "p"}]}
    doc["extra"] = {"profile": _profile()}
    if sweep:
        doc["extra"]["sweep_key"] = "K"
    doc["failure"] = {"message": "m", "stderr_tail": "one\ntwo\r\nthree"} if failure else None
    poisoned: dict[str, Any] = _poison(doc)
    for side in poisoned["sides"]:
        side["ref"]["name"] += EVIL
        for result in side["rounds"]["weird.name"]:
            result["stages"][0]["name"] += EVIL
    return poisoned


def _profile() -> dict[str, Any]:
    folded = [[["main (a.py:1)", "work (a.py:2)"], 5]]
    side = {"frames": 10, "svg": "w.svg", "folded": folded}
    return {"rate": 100, "problems": ["p"], "scenarios": {"weird.name": [side, side]}}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_every_string_of_a_loaded_bundle_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(evil_bundle()))
    loaded = bundles.to_dict(bundles.load(path))
    tail = loaded["failure"].pop("stderr_tail")
    assert tail == "one\ntwo\nthree" + SHOWN_EVIL
    strings = _strings(loaded)
    assert [s for s in strings if UNSAFE.search(s)] == []
    assert sum(SHOWN_EVIL in s for s in strings) > 30  # shown, not dropped


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "COLUMNS": "120", "TERM": "xterm-256color", **extra}


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "perfwaterfall", *args],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def run_in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    """The CLI with a pseudo-terminal as stdout and stderr, as a user's shell runs it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfwaterfall", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks)


def bundles_to_show(tmp_path: Path) -> list[tuple[Path, int]]:
    cases = [(HOSTILE, 0)]
    for name, kw, code in [("evil", {}, 1), ("evil-ok", {"failure": False}, 0)]:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(evil_bundle(**kw)))
        cases.append((path, code))
    sweep = tmp_path / "evil-sweep.json"
    sweep.write_text(json.dumps(evil_bundle(failure=False, sweep=True)))
    nested = tmp_path / "evil-nested.json"  # hostile sub-stage names, unfolded by default
    nested.write_text(json.dumps(NESTED_BUNDLE))
    return [*cases, (sweep, 0), (nested, 0)]


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "json"])
def test_with_no_color_no_output_holds_an_escape_byte(fmt: str, tmp_path: Path) -> None:
    for path, code in bundles_to_show(tmp_path):
        svg, html = tmp_path / "w.svg", tmp_path / "w.html"
        args = ["show", str(path), "--format", fmt, "--svg", str(svg), "--html", str(html)]
        done = run_cli(args, env_for(NO_COLOR="1"))
        assert done.returncode == code, done.stderr
        assert b"\x1b" not in done.stdout + done.stderr, (path.name, done.stdout[-2000:])
        assert b"Traceback" not in done.stderr
        for picture in (svg, html):
            assert "\x1b" not in picture.read_text() and "\u202e" not in picture.read_text()


def test_in_a_terminal_no_escape_comes_from_the_data(tmp_path: Path) -> None:
    for path, code in bundles_to_show(tmp_path):
        status, out = run_in_terminal(["show", str(path)], env_for())
        assert status == code, out.decode(errors="replace")[-2000:]
        assert SGR.search(out), "no styles at all: this was not a terminal"
        assert b"\x1b]0;" not in out and b"\x1b[2J" not in out
        assert b"\x1b" not in SGR.sub(b"", out), out.decode(errors="replace")[-2000:]
        assert "\u202e".encode() not in out


def test_with_no_color_in_a_terminal_no_escape_byte_at_all(tmp_path: Path) -> None:
    status, out = run_in_terminal(["show", str(HOSTILE)], env_for(NO_COLOR="1"))
    assert status == 0, out
    assert b"\x1b" not in out


EVIL_HARNESS = """
import os, runpy, sys
EVIL = {evil!r}
if sys.argv[1] == "list":
    print("line one " + EVIL, file=sys.stderr)
    print("line two " + EVIL, file=sys.stderr)
    sys.exit(3)
sys.argv = [FAKE, *sys.argv[1:]]
sys.path.insert(0, os.path.dirname(FAKE))  # as running the fake as a script would
runpy.run_path(FAKE, run_name="__main__")
"""


def test_a_harness_stderr_tail_is_shown_escaped_line_by_line(
    fake_repo: Path, tmp_path: Path
) -> None:
    harness = tmp_path / "evil_harness.py"
    harness.write_text(f"FAKE = {str(FAKE_HARNESS)!r}\n" + EVIL_HARNESS.format(evil=EVIL))
    args = ["compare", "v1", "HEAD", "--repo", str(fake_repo), "-s", "alpha"]
    done = run_cli([*args, "--harness", f"{{python}} {harness}"], env_for(NO_COLOR="1"))
    assert done.returncode == 1, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr
    lines = done.stderr.decode().splitlines()
    assert lines[1:] == [f"  | line one {SHOWN_EVIL}", f"  | line two {SHOWN_EVIL}"], lines


def test_commit_subjects_from_git_are_shown_escaped(tmp_path: Path) -> None:
    # git keeps ESC, BEL, CSI, U+202E and U+2028 (a line break to splitlines); argv no NUL
    subject = "subject " + EVIL[:-2] + "\u2028tail"
    repo = build_repo(tmp_path / "repo", [*SAMPLE_OPS, ("write", "x", "x\n"), ("commit", subject)])
    args = ["compare", "v1", "HEAD", "--repo", str(repo), "--harness", FAKE, "-s", "alpha"]
    args += ["--frames", "2", "--warmup", "0", "--rounds", "2"]
    done = run_cli(args, env_for(NO_COLOR="1"))
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr
    assert done.stdout.decode().count("subject " + SHOWN_EVIL[:-8]) == 2  # header, commits
    done = run_cli([*args, "--format", "json"], env_for())
    shown = "subject " + SHOWN_EVIL[:-8] + "\\u2028tail"
    assert json.loads(done.stdout)["head"]["subject"] == shown


def test_a_live_compare_shows_escaped_stage_names(fake_repo: Path, tmp_path: Path) -> None:
    evil = "\x1b[2J\x1b[31m\u202eevil\x9b1m"  # no ';' or ':' (FAKE_STAGES separators)
    saved = tmp_path / "cmp.json"
    args = ["compare", "v1", "HEAD", "--repo", str(fake_repo), "--harness", FAKE, "-s", "alpha"]
    args += ["--frames", "2", "--warmup", "0", "--rounds", "2", "--save", str(saved)]
    env = env_for(NO_COLOR="1", FAKE_STAGES=f"Video{evil}In:filter:1.0;hop:ipc:2.0")
    done = run_cli(args, env)
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr
    assert "Video\\x1b[2" in done.stdout.decode()  # the waterfall cuts long names short
    done = run_cli([*args, "--format", "json"], env)
    stages = json.loads(done.stdout)["scenarios"][0]["stages"]
    assert stages[0]["name"] == "Video\\x1b[2J\\x1b[31m\\u202eevil\\x9b1mIn"
    assert [s for s in _strings(json.loads(saved.read_text())) if UNSAFE.search(s)] == []


def test_a_lone_surrogate_is_shown_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(HOSTILE.read_text())
    doc["sides"][0]["ref"]["subject"] = "lone \ud800 surrogate"
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps(doc))  # ensure_ascii: written as the escape \\ud800
    done = run_cli(["show", str(path)], env_for(NO_COLOR="1", PYTHONIOENCODING="utf-8"))
    assert done.returncode == 0, done.stderr
    assert b"lone \\ud800 surrogate" in done.stdout
    assert main(["show", str(path), "--format", "json"]) == 0
    assert "\\\\ud800" in capsys.readouterr().out


def test_rich_markup_in_a_sweep_key_is_shown_as_text(tmp_path: Path) -> None:
    doc = json.loads(HOSTILE.read_text())
    key = "K[/] [bold red]x[/bold red]"
    for side, value in zip(doc["sides"], ("1", "2"), strict=True):
        side["env"] = {key: value}
    doc["extra"] = {"sweep_key": key}
    path = tmp_path / "markup.json"
    path.write_text(json.dumps(doc))
    done = run_cli(["show", str(path)], env_for(NO_COLOR="1"))
    assert done.returncode == 0, done.stderr
    assert key.encode() in done.stdout
