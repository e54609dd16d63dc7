"""The span receiver of a round (spans = "otlp") ends with the round on every exit path.

Real harness processes, a real receiver: the harness writes the endpoint it was given,
then succeeds, fails, sends bad spans, hangs past its timeout, or hangs until it is
interrupted. After each, no receiver thread is running and its port refuses connections.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

from perfwaterfall.errors import HarnessFailed
from perfwaterfall.measure import harness
from perfwaterfall.measure import processes as procgroup
from perfwaterfall.measure.harness import SideCheckout
from perfwaterfall.measure.refs import RefInfo
from perfwaterfall.protocol.harness_spec import HarnessSpec, SpanSettings
from tests.helpers.processes import wait_for_file

REF = RefInfo(name="HEAD", sha="c" * 40, short="ccccccc", subject="subject")
# Writes its endpoint, then behaves as SPAN_MODE says; "ok" sends one frame of spans.
HARNESS = r"""
import json, os, sys, time, urllib.request
endpoint = os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
with open(os.environ["ENDPOINT_FILE"] + ".tmp", "w") as f:
    f.write(endpoint)
os.replace(os.environ["ENDPOINT_FILE"] + ".tmp", os.environ["ENDPOINT_FILE"])
mode = os.environ["SPAN_MODE"]
if mode in ("hang", "interrupt"):
    time.sleep(600)
if mode == "fail":
    sys.exit(3)
T0 = 1_700_000_000 * 10**9
def span(sid, parent, name, a, b):
    s = {"traceId": "cd" * 16, "spanId": f"{sid:016x}", "name": name,
         "startTimeUnixNano": T0 + a, "endTimeUnixNano": T0 + b}
    if parent:
        s["parentSpanId"] = f"{parent:016x}"
    return s
end = -1 if mode == "bad" else 500_000
spans = [span(1, 0, "frame", 0, 1_000_000), span(2, 1, "work", 0, end)]
body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
req = urllib.request.Request(endpoint, data=body, headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
"""


def receiver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("perf-waterfall-otlp")]


def port_refused(endpoint_file: Path) -> bool:
    port = urllib.parse.urlsplit(endpoint_file.read_text()).port
    assert port
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def run_round(tmp_path: Path, mode: str, timeout: float = 30.0) -> Path:
    """One round in SPAN_MODE ``mode``; returns the file the harness wrote its endpoint to."""
    script = tmp_path / "spans_harness.py"
    script.write_text(HARNESS)
    endpoint_file = tmp_path / "endpoint"
    spec = HarnessSpec(argv=(sys.executable, str(script)), spans=SpanSettings(source="otlp"))
    env = {"SPAN_MODE": mode, "ENDPOINT_FILE": str(endpoint_file)}
    side = SideCheckout(label="head", ref=REF, worktree=tmp_path, env=env)
    try:
        harness.run_round(
            spec, side, scenario="pipe", frames=1, warmup=0, round_index=0, timeout=timeout
        )
    finally:
        assert not receiver_threads()
    return endpoint_file


def test_a_round_that_succeeds_stops_its_receiver(tmp_path: Path) -> None:
    assert port_refused(run_round(tmp_path, "ok"))


@pytest.mark.parametrize(
    ("mode", "said"),
    [("fail", "harness exited with status 3"), ("bad", "ends before it starts")],
)
def test_a_round_that_fails_stops_its_receiver(tmp_path: Path, mode: str, said: str) -> None:
    with pytest.raises(HarnessFailed, match=said) as info:
        run_round(tmp_path, mode)
    assert str(info.value).startswith("head (HEAD), scenario 'pipe', round 1: ")
    assert port_refused(tmp_path / "endpoint")


def test_a_round_that_times_out_stops_its_receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(procgroup, "TERM_GRACE_S", 0.3)
    with pytest.raises(HarnessFailed, match="timed out after 2s"):
        run_round(tmp_path, "hang", timeout=2.0)
    assert port_refused(tmp_path / "endpoint")


def test_an_interrupted_round_stops_its_receiver(tmp_path: Path) -> None:
    endpoint_file = tmp_path / "endpoint"

    def interrupt() -> None:
        wait_for_file(endpoint_file)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        run_round(tmp_path, "interrupt", timeout=60)
    thread.join()
    assert port_refused(endpoint_file)
