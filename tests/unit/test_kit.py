"""perfwaterfall.kit: its documents validate by construction, its argv is the protocol's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfwaterfall.kit import KitError, Recorder, Scenario, record
from perfwaterfall.kit.cli import run_protocol
from perfwaterfall.protocol.parsing import parse_results, parse_scenario_list


def pipeline(rec: Recorder) -> None:
    for i in rec.frames():
        with rec.stage("Decode"):
            if rec.warming_up:
                time.sleep(0.02)  # warm-up frames are slow here and must not show
        with rec.hop():
            pass
        with rec.stage("Detector"):
            pass
        if i % 2:
            with rec.stage("Detector"):  # twice in a frame: summed
                pass
        with rec.hop():
            pass
        with rec.hop("to sink"):
            pass
        rec.add("Sink", 0.25, kind="other")


SCENARIOS = [
    Scenario("pipe", pipeline, label="a pipeline", params={"w": 32}),
    Scenario("late", lambda rec: late_stage(rec)),
]


def late_stage(rec: Recorder) -> None:
    for i in rec.frames():
        with rec.stage("always"):
            pass
        if i == 2:
            with rec.stage("once"):
                pass


def test_a_document_validates_with_warmup_left_out() -> None:
    result = parse_results(record(SCENARIOS[0], frames=4, warmup=2))
    assert [(s.name, s.kind) for s in result.stages] == [
        ("Decode", "filter"),
        ("hop 1", "ipc"),
        ("Detector", "filter"),
        ("hop 2", "ipc"),
        ("to sink", "ipc"),
        ("Sink", "other"),
    ]
    assert len(result.samples_ms) == 4
    assert all(row[0] < 10 for row in result.samples_ms)  # no warm-up frame among them
    assert all(row[5] == 0.25 for row in result.samples_ms)
    assert result.scenario.params == {"w": 32} and result.meta["warmup"] == 2


def test_a_stage_seen_late_is_zero_in_earlier_frames() -> None:
    result = parse_results(record(SCENARIOS[1], frames=4, warmup=1))
    assert [s.name for s in result.stages] == ["always", "once"]
    assert [row[1] > 0 for row in result.samples_ms] == [False, True, False, False]


@settings(max_examples=40, deadline=None)
@given(
    frames=st.integers(1, 5),
    warmup=st.integers(0, 3),
    ops=st.lists(
        st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["stage", "hop", "add"]))),
        min_size=1,
        max_size=8,
    ),
)
def test_any_use_gives_a_valid_document(frames: int, warmup: int, ops) -> None:
    def scenario(rec: Recorder) -> None:
        for i in rec.frames():
            with rec.stage("first"):
                pass
            for name, how in ops[i % len(ops)]:
                if how == "add":
                    rec.add(f"added {name}", 0.5)
                else:
                    span = rec.hop() if how == "hop" else rec.stage(name)
                    with span:
                        pass

    result = parse_results(record(Scenario("any", scenario), frames, warmup))
    assert len(result.samples_ms) == frames


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda rec: rec.stage("x", kind="gpu"), "not one of filter, ipc, other"),
        (lambda rec: (rec.stage("x"), rec.stage("x", kind="ipc")), "cannot also be 'ipc'"),
        (lambda rec: rec.stage("x").__enter__(), "outside `for _ in rec.frames():`"),
        (lambda rec: rec.add("x", float("nan")), "not a finite number"),
        (lambda rec: None, "recorded no frame"),
        (lambda rec: list(rec.frames()), "timed no stage"),
    ],
)
def test_misuse_is_refused(body, message: str) -> None:
    with pytest.raises(KitError, match=re.escape(message)):
        record(Scenario("bad", body), frames=1, warmup=0)


def hops_in_parts(rec: Recorder) -> None:
    for _ in rec.frames():
        with rec.stage("Decode"):
            pass
        for _hop in range(2):
            with rec.hop():
                with rec.stage("serialize"):  # an ipc part of an ipc hop
                    time.sleep(0.0002)
                with rec.hop("send"), rec.stage("kernel copy", kind="other"):
                    time.sleep(0.0003)
        rec.add("Sink", 0.25)


def test_nested_stages_are_sub_stages_with_their_parent_paths() -> None:
    result = parse_results(record(Scenario("parts", hops_in_parts), frames=3, warmup=1))
    assert [(s.name, s.kind) for s in result.stages] == [
        ("Decode", "filter"),
        ("hop 1", "ipc"),
        ("hop 2", "ipc"),
        ("Sink", "filter"),
    ]
    assert [(s.path, s.kind) for s in result.substages] == [
        (("hop 1", "serialize"), "ipc"),
        (("hop 1", "send"), "ipc"),
        (("hop 1", "send", "kernel copy"), "other"),
        (("hop 2", "serialize"), "ipc"),
        (("hop 2", "send"), "ipc"),
        (("hop 2", "send", "kernel copy"), "other"),
    ]
    assert len(result.substage_samples_ms) == 3
    for row, sub in zip(result.samples_ms, result.substage_samples_ms, strict=True):
        serialize, send, copy = sub[:3]
        assert serialize >= 0.2 and copy >= 0.3
        assert copy <= send and serialize + send <= row[1]  # a part is inside its parent


def test_a_document_without_nesting_has_no_sub_stage_keys() -> None:
    doc = record(SCENARIOS[0], frames=2, warmup=0)
    assert "substages" not in doc and "substage_samples_ms" not in doc


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            lambda rec, span: [rec.stage("outer").__enter__(), span.__enter__()],
            "stage 'x' was entered inside 'outer' but made at the top level",
        ),
        (
            lambda rec, span: [rec.stage("outer").__enter__(), rec.hop()],
            "a hop inside 'outer' needs a name",
        ),
        (
            lambda rec, span: [
                rec.stage("outer").__enter__(),
                rec.stage("y", kind="ipc"),
                rec.stage("y"),
            ],
            "stage 'outer' > 'y' is 'ipc'; it cannot also be 'filter'",
        ),
    ],
)
def test_nesting_misuse_is_refused(body, message: str) -> None:
    def scenario(rec: Recorder) -> None:
        span = rec.stage("x")
        for _ in rec.frames():
            body(rec, span)

    with pytest.raises(KitError, match=re.escape(message)):
        record(Scenario("bad", scenario), frames=1, warmup=0)


def test_a_stage_left_open_inside_another_is_named_by_its_path() -> None:
    def scenario(rec: Recorder) -> None:
        for _ in rec.frames():
            rec.stage("outer").__enter__()
            rec.stage("inner").__enter__()

    with pytest.raises(KitError, match=re.escape("stage 'outer' > 'inner' is still open")):
        record(Scenario("open", scenario), frames=1, warmup=0)


@settings(max_examples=40, deadline=None)
@given(
    frames=st.integers(1, 4),
    warmup=st.integers(0, 2),
    paths=st.lists(
        st.lists(st.lists(st.sampled_from("ab"), min_size=1, max_size=3), max_size=5),
        min_size=1,
        max_size=4,
    ),
)
def test_any_nesting_gives_a_valid_document(frames: int, warmup: int, paths) -> None:
    def enter(rec: Recorder, path: list[str]) -> None:
        if path:
            with rec.stage(path[0]):
                enter(rec, path[1:])

    def scenario(rec: Recorder) -> None:
        for i in rec.frames():
            with rec.stage("first"):
                pass
            for path in paths[i % len(paths)]:
                enter(rec, path)

    result = parse_results(record(Scenario("any", scenario), frames, warmup))
    ran = [paths[i % len(paths)] for i in range(frames + warmup)]
    nested = {tuple(p[:k]) for frame in ran for p in frame for k in range(2, len(p) + 1)}
    assert {s.path for s in result.substages} == nested
    assert len(result.substage_samples_ms) == (frames if nested else 0)


def test_list_and_run_speak_the_protocol(tmp_path: Path, capsys) -> None:
    assert run_protocol(SCENARIOS, ["list"]) == 0
    listed = parse_scenario_list(json.loads(capsys.readouterr().out))
    assert [s.name for s in listed] == ["pipe", "late"]
    out = tmp_path / "results.json"
    args = ["run", "--scenario", "pipe", "--frames", "3", "--warmup", "0", "--output", str(out)]
    assert run_protocol(SCENARIOS, args) == 0
    assert len(parse_results(json.loads(out.read_text())).samples_ms) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--scenario", "nope", "--frames", "1", "--warmup", "0"], "unknown scenario"),
        (["run", "--scenario", "pipe", "--frames", "0", "--warmup", "0"], "integer >= 1"),
        (["run", "--scenario", "pipe", "--frames", "1", "--warmup", "-1"], "integer >= 0"),
        (["run", "--scenario", "pipe"], "required"),
        (["bench"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_usage_is_exit_2_and_one_line(tmp_path: Path, capsys, argv, message) -> None:
    if argv[:1] == ["run"] and len(argv) > 3:
        argv = [*argv, "--output", str(tmp_path / "r.json")]
    assert run_protocol(SCENARIOS, argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "r.json").exists()


def test_bad_output_directory_and_bad_names_are_usage_errors(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no such dir" / "r.json"
    args = ["run", "--scenario", "pipe", "--frames", "1", "--warmup", "0", "--output", str(missing)]
    assert run_protocol(SCENARIOS, args) == 2
    assert run_protocol([Scenario("Bad Name", pipeline)], ["list"]) == 2
    assert run_protocol([SCENARIOS[0], SCENARIOS[0]], ["list"]) == 2
    assert "appears twice" in capsys.readouterr().err


def test_a_failing_scenario_is_exit_1_with_its_traceback(tmp_path: Path, capsys) -> None:
    def broken(rec: Recorder) -> None:
        raise RuntimeError("the detector fell over")

    out = tmp_path / "r.json"
    args = ["run", "--scenario", "x", "--frames", "1", "--warmup", "0", "--output", str(out)]
    assert run_protocol([Scenario("x", broken)], args) == 1
    assert "RuntimeError: the detector fell over" in capsys.readouterr().err
    assert not out.exists()


def test_the_kit_imports_only_the_standard_library() -> None:
    code = (
        "import sys, perfwaterfall.kit\n"
        "heavy = {'rich', 'typer', 'scipy', 'numpy', 'git', 'zmq', 'click'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
