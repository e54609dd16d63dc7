"""py-spy building blocks on fixture files: folded-stack normalisation, movers, panel, markdown."""

from __future__ import annotations

import io
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from perfwaterfall.export.profile_markdown import movers_markdown
from perfwaterfall.profile.folded import Folded, parse_folded
from perfwaterfall.profile.movers import Mover, Movers, movers
from perfwaterfall.profile.noise import SideSamples, family_z
from perfwaterfall.profile.pyspy import (
    NOT_FOUND,
    PTRACE_DENIED,
    diagnose,
    find_py_spy,
    output_path,
    record_argv,
)
from perfwaterfall.render.profile import movers_panel
from perfwaterfall.render.terminal import make_console
from perfwaterfall.render.theme import FASTER, SLOWER
from tests.helpers.consoles import truecolor_console
from tests.helpers.profiles import seen_processes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "profile"
BASE_ROOT = Path("/tmp/pw-base-1234/wt")
HEAD_ROOT = Path("/tmp/pw-head-5678/wt")

RUNPY = "_run_module_as_main (<frozen runpy>)"
MODULE = "<module> (scenarios/stage.py)"
SERVE = "Stage.serve (scenarios/stage.py)"
SEND = "Stage.send (scenarios/stage.py)"
ENCODE = "ZmqEndpoint.encode (scenarios/transport/zmq.py)"
ZMQ_SEND = "Socket.send (zmq/sugar/socket.py)"
POLL = "Poller.poll (zmq/sugar/poll.py)"
CHECKSUM = "checksum (scenarios/frames.py)"
TRACK = "Stage.track (scenarios/stage.py)"
TRACKER_MAIN = "main (multiprocessing/resource_tracker.py)"


def load(name: str, root: Path) -> Folded:
    return parse_folded((FIXTURES / name).read_text(), roots=[root])


@pytest.fixture
def base() -> Folded:
    return load("base.folded", BASE_ROOT)


@pytest.fixture
def head() -> Folded:
    return load("head.folded", HEAD_ROOT)


# ---------------------------------------------------------------- parsing


def test_base_parses_to_exact_normalised_stacks(base):
    detector = ("[harness]", "[Detector]", RUNPY, MODULE, SERVE)
    assert base == {
        (*detector, SEND, ENCODE): 6,  # two lines whose line numbers differ, merged
        (*detector, SEND, ZMQ_SEND): 4,
        (*detector, POLL): 5,
        ("[harness]", RUNPY, "main (scenarios/cli.py)", "JSONDecoder.decode (json/decoder.py)"): 2,
        ("[harness]", "[python -c]", TRACKER_MAIN): 1,
        ("[harness]", "[Detector]"): 3,
        (
            "[harness]",
            "[Detector]",
            RUNPY,
            MODULE,
            "_find_and_load (<frozen importlib._bootstrap>)",
            "<module> (numpy/__init__.py)",
        ): 7,
        (*detector, CHECKSUM, CHECKSUM): 2,
    }


def test_the_same_code_in_two_worktrees_gives_the_same_stacks(base, head):
    shared = set(base) & set(head)
    assert ("[harness]", "[Detector]", RUNPY, MODULE, SERVE, POLL) in shared
    assert ("[harness]", "[Detector]", RUNPY, MODULE, SERVE, SEND, ZMQ_SEND) in shared


def test_processes_are_labelled_by_stage_name_and_pids_dropped(base, head):
    assert seen_processes(base) == ("Detector", "harness", "python -c")
    assert seen_processes(head) == ("Detector", "Tracker", "harness")
    assert not any("41" in frame for stack in base for frame in stack if frame.startswith("["))


@pytest.mark.parametrize(
    ("cmdline", "label"),
    [
        ('python -m scenarios.stage --name Sink {"name": "Sink", "x": "a \\";b"}', "Sink"),
        ("python -m scenarios.stage --name=Encoder", "Encoder"),
        ("python -c import x;x.main()", "python -c"),
        ("python -m some.tool --flag", "some.tool"),
        ("/opt/bin/worker.py --fast", "worker.py"),
        ("", "process"),
    ],
)
def test_child_process_labels(cmdline, label):
    line = f'process 1:"python bench.py --name Root";process 2:"{cmdline}";work (/w/x.py:3) 1'
    assert parse_folded(line) == {("[harness]", f"[{label}]", "work (/w/x.py)"): 1}


def test_cmdline_with_quotes_spaces_semicolons_and_json():
    cmdline = 'py -m s --name Det {"a": "x\\";y", "b": "c;d", "e": "f (g:1)"}'
    line = f'process 7:"{cmdline}";process 8:"{cmdline}";run (/w/s.py:10);go (/w/s.py:20) 4'
    assert parse_folded(line, roots=[Path("/w")]) == {
        ("[harness]", "[Det]", "run (s.py)", "go (s.py)"): 4
    }


def test_a_stack_of_process_frames_only_and_an_empty_cmdline():
    text = 'process 1:"python -m scenarios run";process 2:"" 3\nprocess 1:"python -m x" 2\n'
    assert parse_folded(text) == {("[harness]", "[process]"): 3, ("[harness]",): 2}


def test_a_function_named_process_is_not_a_process_frame():
    assert parse_folded("process (/w/p.py:3);work (/w/p.py:9) 2\n") == {
        ("process (/w/p.py)", "work (/w/p.py)"): 2
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tmp/pw-base-1234/wt/scenarios/pipeline.py", "scenarios/pipeline.py"),
        ("/tmp/pw-base-1234/wt/.venv/lib/python3.11/site-packages/zmq/a.py", "zmq/a.py"),
        ("/usr/lib/python3/dist-packages/numpy/core.py", "numpy/core.py"),
        ("/usr/local/lib/python3.11/json/decoder.py", "json/decoder.py"),
        ("/home/u/lib/python3.11/x/lib/python3.12/threading.py", "threading.py"),
        ("<frozen runpy>", "<frozen runpy>"),
        ("scenarios/stage.py", "scenarios/stage.py"),
        ("/elsewhere/tool.py", "/elsewhere/tool.py"),
        ("/tmp/pw-base-1234/wtX/other.py", "/tmp/pw-base-1234/wtX/other.py"),
    ],
)
def test_paths_are_normalised(path, expected):
    folded = parse_folded(f"f ({path}:12) 1", roots=[BASE_ROOT])
    assert folded == {(f"f ({expected})",): 1}


def test_a_nested_worktree_root_wins_over_its_parent():
    text = "f (/r/sub/wt/a.py:1) 1"
    assert parse_folded(text, roots=[Path("/r"), Path("/r/sub/wt")]) == {("f (a.py)",): 1}


def test_frames_without_line_numbers_and_thread_frames():
    text = "thread (0x7F3B2C4E1740): MainThread;f (/w/a.py);g 2\nthread (0x1);f (/w/a.py:4) 1\n"
    assert parse_folded(text, roots=[Path("/w")]) == {
        ("[thread MainThread]", "f (a.py)", "g"): 2,
        ("[thread]", "f (a.py)"): 1,
    }


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "x", "x y", ";;; 3", 'process 1:"a', 'process x:"a" 1', "\x00\xff 1 2 x", "f -1"],
)
def test_garbage_never_crashes(text):
    assert isinstance(parse_folded(text), dict)


# ---------------------------------------------------------------- movers

# rate 100, base 10 frames: 1 sample = 1 ms per frame; head 20 frames: 1 sample = 0.5 ms.
EXPECTED = Movers(
    by_self=(
        Mover(ENCODE, 6.0, 0.0),  # base only: the copy head removed
        Mover(POLL, 5.0, 8.0),
        Mover(TRACK, 0.0, 3.0),  # head only
        Mover(ZMQ_SEND, 4.0, 2.0),
        Mover(TRACKER_MAIN, 1.0, 0.0),
    ),
    by_total=(
        Mover(SEND, 10.0, 2.0),
        Mover(ENCODE, 6.0, 0.0),
        Mover(POLL, 5.0, 8.0),
        Mover(TRACK, 0.0, 3.0),
        Mover(MODULE, 17.0, 15.0),
        Mover(ZMQ_SEND, 4.0, 2.0),
        Mover(SERVE, 17.0, 15.0),
        Mover(TRACKER_MAIN, 1.0, 0.0),
    ),
    base_ms=30.0,
    head_ms=23.0,
)


def one_round(folded: Folded, frames: int, rate: int) -> SideSamples:
    return SideSamples((folded,), frames, rate)


def values(found: tuple[Mover, ...]) -> list[tuple[str, float, float]]:
    return [(m.function, m.base_ms, m.head_ms) for m in found]


def test_movers_exact(base, head):
    """Unmoved functions (JSON decoding, the recursive checksum) and import-time samples
    (numpy) are left out; runpy's frames are plumbing, not functions. A handful of samples
    a side is mostly within sampling noise; the order is real first, then by size."""
    found = movers(one_round(base, 10, 100), one_round(head, 20, 100))
    assert values(found.by_self) == values(EXPECTED.by_self)
    assert values(found.by_total) == values(EXPECTED.by_total)
    assert (found.base_ms, found.head_ms) == (EXPECTED.base_ms, EXPECTED.head_ms)
    assert (found.base_samples, found.head_samples, found.base_rounds) == (30, 46, 1)
    # Stage.send's total, 10 samples at base against 4 at head over twice the frames, is
    # the one change beyond noise (an exact binomial split test agrees: p = 0.004, two-sided)
    real = [m.function for m in (*found.by_self, *found.by_total) if m.real]
    assert real == [SEND]
    # ENCODE: 6 samples at base (1 ms each), 0 at head: fewer than the table's normal bar
    # squared (z for the 7 functions sampled as a leaf), so it could not be real even with
    # every sample on one side: it is left out of the family and shown within noise
    encode = found.by_self[0]
    assert family_z(7) ** 2 > 6
    assert encode.uncertainty_ms == pytest.approx(abs(encode.delta))


def test_top_keeps_the_largest(base, head):
    result = movers(one_round(base, 10, 100), one_round(head, 20, 100), top=2)
    assert values(result.by_self) == values(EXPECTED.by_self[:2])
    assert values(result.by_total) == values(EXPECTED.by_total[:2])


def test_recursion_counts_once_per_stack():
    folded = {("f (a.py)", "f (a.py)", "f (a.py)"): 3}
    result = movers(one_round({}, 1, 1000), one_round(folded, 1, 1000))
    assert values(result.by_total) == [("f (a.py)", 0.0, 3.0)]
    assert values(result.by_self) == [("f (a.py)", 0.0, 3.0)]


def test_same_profile_moves_nothing(base):
    result = movers(one_round(base, 10, 100), one_round(base, 10, 100))
    assert result.empty and result.base_ms == result.head_ms == 30.0


def test_movers_reject_nonsense_scales(base):
    with pytest.raises(ValueError):
        one_round(base, 0, 100)


def test_mover_delta_and_round_trip():
    assert Mover("f", 2.5, 1.0).delta == -1.5
    assert Movers.from_dict(EXPECTED.to_dict()) == EXPECTED
    noisy = Movers((Mover("f", 1.0, 1.5, 0.75),), (), 1.0, 1.5, 400, 600, 3, 3)
    assert Movers.from_dict(noisy.to_dict()) == noisy and not noisy.by_self[0].real
    assert Movers.from_dict({"by_self": [], "by_total": [], "base_ms": 0, "head_ms": 1}).empty


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (None, TypeError),
        ({"by_self": []}, KeyError),
        ({"by_self": {}, "by_total": [], "base_ms": 1, "head_ms": 1}, TypeError),
        ({"by_self": [{"function": 3}], "by_total": [], "base_ms": 1, "head_ms": 1}, TypeError),
        ({"by_self": [], "by_total": [], "base_ms": -1, "head_ms": 1}, ValueError),
        ({"by_self": [], "by_total": [], "base_ms": True, "head_ms": 1}, TypeError),
    ],
)
def test_malformed_movers_are_refused(data, error):
    with pytest.raises(error):
        Movers.from_dict(data)


# ---------------------------------------------------------------- recording


def test_record_argv():
    raw = record_argv("/v/bin/py-spy", Path("/tmp/p.folded"), "raw")
    assert raw == [
        "/v/bin/py-spy",
        "record",
        "--subprocesses",
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        "/tmp/p.folded",
        "--full-filenames",
        "--",
    ]
    svg = record_argv("py-spy", Path("/tmp/p.svg"), "flamegraph", rate=100)
    assert svg[-1] == "--" and "--full-filenames" not in svg
    assert svg[svg.index("--format") + 1] == "flamegraph" and svg[svg.index("--rate") + 1] == "100"
    with pytest.raises(ValueError):
        record_argv("py-spy", Path("/tmp/p.svg"), "flamegraph", rate=0)


def test_output_path_names_side_and_scenario_safely():
    assert output_path(Path("/tmp"), "head", "4k_raw", "flamegraph") == Path(
        "/tmp/perf-waterfall-head-4k_raw.svg"
    )
    odd = output_path(Path("/d"), "base", "../a b/ü", "raw")
    assert odd.parent == Path("/d") and odd.name == "perf-waterfall-base-a_b.folded"


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_py_spy_on_path_then_beside_the_interpreter(tmp_path, monkeypatch):
    on_path = tmp_path / "path"
    beside = tmp_path / "venv" / "bin"
    on_path.mkdir()
    beside.mkdir(parents=True)
    monkeypatch.setattr(sys, "executable", str(beside / "python"))
    monkeypatch.setenv("PATH", str(on_path))
    assert find_py_spy() is None
    assert "pip install py-spy" in NOT_FOUND  # what --profile then says
    _executable(beside / "py-spy")
    assert find_py_spy() == str(beside / "py-spy")
    _executable(on_path / "py-spy")
    assert find_py_spy() == str(on_path / "py-spy")


def test_a_non_executable_py_spy_beside_the_interpreter_is_not_used(tmp_path, monkeypatch):
    (tmp_path / "py-spy").write_text("")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", os.devnull)
    assert find_py_spy() is None


# What py-spy 0.4.3 printed here (setpriv to nobody; capsh without cap_sys_ptrace) and
# the docker hint from py-spy's main.rs.
DENIED = [
    "Permission Denied: Try running again with elevated permissions by going "
    "'sudo env \"PATH=$PATH\" !!'",
    "Error: Failed to get process executable name. Check that the process is running.\n\n"
    "Caused by:\n    0: Permission denied (os error 13)\n    1: Permission denied (os error 13)",
    "Permission Denied\n\nIt looks like you are running in a docker container. Please make sure "
    "you started your container with the SYS_PTRACE capability.",
    "Error: Operation not permitted (os error 1)\nReason: Operation not permitted (os error 1)",
    "Error: EPERM: Operation not permitted",
    "Error: Failed to suspend process\nReason: EPERM: Operation not permitted",
]


@pytest.mark.parametrize("stderr", DENIED)
def test_ptrace_denied_is_one_line_with_the_fixes(stderr):
    line = diagnose("py-spy> Sampling process 250 times a second.\n" + stderr)
    assert line == PTRACE_DENIED
    assert "\n" not in line
    assert "ptrace_scope=0" in line and "SYS_PTRACE" in line and "root" in line


@pytest.mark.parametrize(
    "stderr",
    [
        "",
        "Error: Failed to create process '/x/python': Permission denied (os error 13)",
        "Error: Failed to find python version from target process",
        "Error: Failed to suspend process\nReason: ESRCH: No such process",
        "scenarios: unknown scenario 'x'",
        "PermissionError: [Errno 13] Permission denied: '/dev/shm/psm_1'",
        "scenarios: --output /x: directory / is not writable (Permission denied)",
    ],
)
def test_other_failures_are_not_blamed_on_ptrace(stderr):
    assert diagnose(stderr) is None


def test_profile_messages_are_one_line_each():
    assert "\n" not in NOT_FOUND and "\n" not in PTRACE_DENIED


# ---------------------------------------------------------------- panel and markdown

SMALL = Movers(
    by_self=(Mover(ENCODE, 6.0, 0.0, 1.5), Mover(POLL, 5.0, 8.0, 4.0)),
    by_total=(Mover(SEND, 10.0, 2.0, 2.0),),
    base_ms=30.0,
    head_ms=23.0,
    base_samples=4500,
    head_samples=3450,
    base_rounds=3,
    head_rounds=3,
)
SVGS = [Path("/tmp/perf-waterfall-base-4k_raw.svg"), Path("/tmp/perf-waterfall-head-4k_raw.svg")]

PANEL = """\
╭─ Where the time moved (py-spy, ms per frame) ────────────────────────────────╮
│ function                                     copy   nocopy    change   noise │
│ ──────────────────────────────────────────────────────────────────────────── │
│ self time                                                                    │
│ ZmqEndpoint.encode                           6.00    0.000     -6.00   ±1.50 │
│ (scenarios/transport/zmq.py)                                                 │
│ Poller.poll (zmq/sugar/poll.py)              5.00     8.00   ~ +3.00   ±4.00 │
│                                                                              │
│ total time                                                                   │
│ Stage.send (scenarios/stage.py)              10.0     2.00     -8.00   ±2.00 │
│                                                                              │
│ sampled 30.0 ms per frame at copy (4,500 samples over 3 rounds), 23.0 at     │
│ nocopy (3,450 samples over 3 rounds), over all processes (time blocked       │
│ waiting is not sampled); ~: within sampling noise                            │
│ flamegraph /tmp/perf-waterfall-base-4k_raw.svg                               │
│ flamegraph /tmp/perf-waterfall-head-4k_raw.svg                               │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


def render_panel(movers_: Movers, **console_kw) -> str:
    out = io.StringIO()
    console = console_kw.pop("console", None) or make_console(file=out, width=80, no_color=True)
    console.print(movers_panel(movers_, base_label="copy", head_label="nocopy", svg_paths=SVGS))
    return console.file.getvalue()


def test_panel_exact_text():
    assert render_panel(SMALL) == PANEL


def test_panel_colours_shrunk_green_grown_red_and_noise_neither():
    def rgb(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"38;2;{r};{g};{b}"

    def line_of(movers_: Movers, change: str) -> str:
        text = render_panel(movers_, console=truecolor_console())
        return next(line for line in text.splitlines() if change in line)

    shrunk = line_of(SMALL, "-6.00")
    assert rgb(FASTER) in shrunk and rgb(SLOWER) not in shrunk
    noise = line_of(SMALL, "~ +3.00")  # within ±4.00: no colour of news
    assert rgb(SLOWER) not in noise and rgb(FASTER) not in noise
    real = replace(SMALL, by_self=(Mover(POLL, 5.0, 8.0, 1.0),))
    grown = line_of(real, "+3.00")
    assert rgb(SLOWER) in grown and rgb(FASTER) not in grown and "~" not in grown


def test_panel_when_nothing_moved():
    text = render_panel(Movers((), (), 1.0, 1.0))
    assert "No function's time per frame moved" in text and "self time" not in text


def test_markdown_exact():
    assert movers_markdown(SMALL, base_label="copy", head_label="no|copy", svg_paths=SVGS) == [
        "**Where the time moved** (py-spy, ms per frame over all processes)",
        "",
        "| Function | copy | no\\|copy | Change | Noise |",
        "|---|---:|---:|---:|---:|",
        "| ***self time*** | | | | |",
        "| ZmqEndpoint.encode (scenarios/transport/zmq.py) | 6.00 | 0.000 | -6.00 | ±1.50 |",
        "| Poller.poll (zmq/sugar/poll.py) | 5.00 | 8.00 | \\~ +3.00 | ±4.00 |",
        "| ***total time*** | | | | |",
        "| Stage.send (scenarios/stage.py) | 10.0 | 2.00 | -8.00 | ±2.00 |",
        "",
        "Sampled 30.0 ms per frame at copy (4,500 samples over 3 rounds), 23.0 at no\\|copy "
        "(3,450 samples over 3 rounds); time blocked waiting is not sampled; "
        "\\~: within sampling noise.",
        "",
        "Flamegraphs: /tmp/perf-waterfall-base-4k\\_raw.svg, /tmp/perf-waterfall-head-4k\\_raw.svg",
    ]


def test_markdown_escapes_function_names():
    hostile = Movers((Mover("<b>x</b>|y (a_b.py)", 1.0, 2.0),), (), 1.0, 2.0)
    row = movers_markdown(hostile, base_label="b", head_label="h")[5]
    assert row == "| \\<b\\>x\\</b\\>\\|y (a\\_b.py) | 1.00 | 2.00 | +1.00 | ±0.000 |"
