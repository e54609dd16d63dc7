"""Spans in, end to end: real harness processes export spans to a real receiver or file.

The instrumented harness (otel_repo.py) uses the OpenTelemetry SDK for real; the bad
one below is stdlib only and sends exactly the broken spans each case names.
"""

from __future__ import annotations

import json
import platform
import socket
import threading
from pathlib import Path

import pytest
from opentelemetry.sdk.version import __version__ as otel_sdk_version

from tests.helpers.cli import run_cli
from tests.helpers.gitrepo import build_repo
from tests.integration.otel_repo import otel_repo, pipeline_repo

pytestmark = pytest.mark.slow


def verdicts(doc: dict) -> dict[tuple[str, ...], str]:
    (sc,) = doc["scenarios"]
    found = {(st["name"],): st["change"]["verdict"] for st in sc["stages"]}
    for st in sc["substages"]:
        found[(*st["parent"], st["name"])] = st["change"]["verdict"]
    return found


def receiver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("perf-waterfall-otlp")]


def test_a_slowed_sub_span_is_found_there_and_on_its_hop_only(tmp_path: Path, capsys) -> None:
    repo = otel_repo(tmp_path / "repo")
    code, out, err = run_cli(
        [
            *("compare", "base", "HEAD", "--repo", repo, "--head-env", "OTEL_SLOW_MS=1.5"),
            *("--base-env", "OTEL_SEED=1", "--head-env", "OTEL_SEED=2"),
            *("--rounds", "5", "--frames", "5", "--warmup", "2", "--format", "json"),
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    found = verdicts(doc)
    assert set(found) == {
        ("VideoIn",),
        ("hop 1",),
        ("Detector",),
        ("hop 1", "frame.serialize"),
        ("hop 1", "zmq.send_multipart"),
        ("hop 1", "frame.deserialize"),
        ("hop 1", "(self)"),
    }
    slower = {path for path, verdict in found.items() if verdict == "slower"}
    assert slower == {("hop 1",), ("hop 1", "zmq.send_multipart")}, found
    assert not any(v == "faster" for v in found.values()), found
    (sc,) = doc["scenarios"]
    stages = {st["name"]: st for st in sc["stages"]}
    assert stages["hop 1"]["kind"] == "ipc" and stages["Detector"]["kind"] == "filter"
    assert 1.0 < stages["hop 1"]["change"]["delta"] < 2.5
    assert not receiver_threads()


RESOURCE = "OTEL_RESOURCE_ATTRIBUTES=perf_waterfall.package.pyzmq=27.1.0"
RUNTIME_STAGES = ["Source.process", "mq.send", "Work.process", "mq.send (2)", "Sink.process"]


def test_a_runtime_shaped_pipeline_finds_a_slower_serialize_on_that_part_and_its_hop(
    tmp_path: Path, capsys
) -> None:
    """Three processes, the chain broken at each filter, consumers outside their producers,
    handshake retries, spans posted to "/": the round the runtime's spans were refused in."""
    repo = pipeline_repo(tmp_path / "repo")
    save = tmp_path / "cmp.json"
    code, out, err = run_cli(
        [
            *("compare", "base", "HEAD", "--repo", repo, "--head-env", "OTEL_SLOW_MS=1.5"),
            *("--base-env", "OTEL_SEED=1", "--head-env", "OTEL_SEED=2"),
            *("--base-env", RESOURCE, "--head-env", RESOURCE),
            *("--rounds", "5", "--frames", "4", "--warmup", "1", "--format", "json"),
            *("--save", save),
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    (sc,) = doc["scenarios"]
    assert [st["name"] for st in sc["stages"]] == RUNTIME_STAGES
    found = verdicts(doc)
    assert ("mq.send", "(self)") in found and ("mq.send (2)", "mq.recv", "(self)") in found
    slower = {path for path, verdict in found.items() if verdict == "slower"}
    assert slower == {("mq.send (2)",), ("mq.send (2)", "frame.serialize")}, found
    assert not any(v == "faster" for v in found.values()), found
    stages = {st["name"]: st for st in sc["stages"]}
    assert 1.0 < stages["mq.send (2)"]["change"]["delta"] < 2.5
    # Each round kept the asked frames, counted what it dropped, and named the
    # harness's interpreter and packages from the spans' resource.
    bundle = json.loads(save.read_text())
    for side in bundle["sides"]:
        for rnd in side["rounds"]["pipe"]:
            assert len(rnd["samples_ms"]) == 4
            assert rnd["meta"]["dropped"] == {
                "incomplete_frames": 2,  # the source's last call; the frame lost before the sink
                "frames_beyond_count": 1,
                "lone_spans": 3,  # the handshake retries
            }
            assert rnd["meta"]["python"] == platform.python_version()
            assert rnd["meta"]["packages"]["pyzmq"] == "27.1.0"
            assert rnd["meta"]["packages"]["opentelemetry-sdk"] == otel_sdk_version
    assert not receiver_threads()


def test_the_otlp_json_file_path_measures_the_same_stages(tmp_path: Path, capsys) -> None:
    repo = otel_repo(tmp_path / "repo", spans="file")
    save = tmp_path / "run.json"
    args = ["run", "HEAD", "--repo", repo, "--rounds", "2", "--frames", "3", "--warmup", "1"]
    code, _, err = run_cli([*args, "--save", save], capsys)
    assert code == 0, err
    text = json.dumps(json.loads(save.read_text())["sides"])  # every round's document
    for name in ("VideoIn", "hop 1", "Detector", "zmq.send_multipart", "frame.deserialize"):
        assert json.dumps(name) in text


BAD_HARNESS = '''\
"""Sends broken spans on purpose: BAD_SPANS names how."""

import json
import os
import sys
import urllib.request

T0 = 1_700_000_000 * 10**9


def span(sid, parent, name, start_ms, end_ms):
    out = {"traceId": "ab" * 16, "spanId": f"{sid:016x}", "name": name,
           "startTimeUnixNano": str(T0 + int(start_ms * 1e6)),
           "endTimeUnixNano": str(T0 + int(end_ms * 1e6))}
    if parent:
        out["parentSpanId"] = f"{parent:016x}"
    return out


def request(spans):
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()


def body(case):
    if case == "malformed":
        return b"\\xff\\xff\\xff not protobuf", "application/x-protobuf"
    if case == "no-root":
        return request([span(2, 1, "VideoIn", 0, 1)]), "application/json"
    if case == "backwards":
        end = -1  # before its own start
    elif case == "overlap":
        end = 12  # after its parent's end: the next stage, not an error
    else:
        end = 1
    return request([span(1, 0, "frame", 0, 10), span(2, 1, "VideoIn", 0, end)]), "application/json"


def main():
    if sys.argv[1] == "list":
        print(json.dumps([{"name": "pipe"}]))
        return 0
    case = os.environ.get("BAD_SPANS", "")
    if case == "unflushed":
        return 0  # exits before its exporter sent anything
    data, content_type = body(case)
    if "PERF_WATERFALL_OTLP_FILE" in os.environ:
        with open(os.environ["PERF_WATERFALL_OTLP_FILE"], "wb") as f:
            f.write(data)
        return 0
    url = os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except urllib.error.HTTPError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def bad_repo(path: Path, table: str = 'spans = "otlp"\n') -> Path:
    pyproject = f'[tool.perf-waterfall]\nharness = ["{{python}}", "bad.py"]\n{table}'
    return build_repo(
        path,
        [
            ("write", "bad.py", BAD_HARNESS),
            ("write", "pyproject.toml", pyproject),
            ("commit", "bad"),
        ],
    )


def run_bad(repo: Path, case: str, capsys) -> tuple[int, str]:
    """The exit status and the failure, as the saved bundle keeps it: one unwrapped line."""
    save = repo.parent / "run.json"
    args = ["run", "HEAD", "--repo", repo, "--rounds", "1", "--frames", "1", "--warmup", "0"]
    code, out, err = run_cli([*args, "--env", f"BAD_SPANS={case}", "--save", save], capsys)
    assert "Traceback" not in out + err
    return code, json.loads(save.read_text())["failure"]["message"]


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("malformed", "spans, request 1: malformed OTLP protobuf"),
        ("no-root", "a frame without a root"),
        ("backwards", "span 'VideoIn' ends before it starts"),
        ("unflushed", "expected 1 frames, got 0 complete frames"),
    ],
)
def test_bad_spans_fail_the_round_in_one_line(tmp_path: Path, capsys, case, fragment) -> None:
    code, line = run_bad(bad_repo(tmp_path / "repo"), case, capsys)
    assert code == 1
    assert "\n" not in line and fragment in line
    assert line.startswith("run (HEAD), scenario 'pipe', round 1: "), line
    assert not receiver_threads()


def test_a_child_outside_its_parent_is_measured_as_the_next_stage(tmp_path: Path, capsys) -> None:
    save = tmp_path / "run.json"
    args = ["run", "HEAD", "--repo", bad_repo(tmp_path / "repo"), "--rounds", "1"]
    args += ["--frames", "1", "--warmup", "0", "--env", "BAD_SPANS=overlap", "--save", save]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    (rnd,) = json.loads(save.read_text())["sides"][0]["rounds"]["pipe"]
    assert [st["name"] for st in rnd["stages"]] == ["frame", "VideoIn"]


def test_bad_spans_in_the_file_fail_the_same_way(tmp_path: Path, capsys) -> None:
    repo = bad_repo(tmp_path / "repo", 'spans = "file"\n')
    code, err = run_bad(repo, "backwards", capsys)
    assert code == 1 and "ends before it starts" in err and "round 1" in err
    code, err = run_bad(repo, "unflushed", capsys)
    assert code == 1 and "the harness wrote no spans file" in err


def test_a_receiver_port_already_taken_fails_the_round_in_one_line(tmp_path: Path, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        repo = bad_repo(tmp_path / "repo", f'spans = "otlp"\nspans-port = {port}\n')
        code, line = run_bad(repo, "good", capsys)
    assert code == 1 and "\n" not in line
    assert f"cannot start the span receiver on 127.0.0.1:{port}" in line
    assert "scenario 'pipe'" in line and "round 1" in line
