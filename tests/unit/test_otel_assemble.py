"""Frames assembled as a real runtime traces them (perfwaterfall/otel/assemble.py, layout.py).

The shape is the one the video-pipeline runtime exports: three traces per frame (the
chain broken at each filter), consumer spans outside their producers, handshake
retries, a last call that ends the source, a frame that never reached the sink.
"""

from __future__ import annotations

import random

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.convert import spans_to_document
from perfwaterfall.otel.decode import KIND_CONSUMER, KIND_PRODUCER
from perfwaterfall.protocol.parsing import parse_results
from tests.unit.otel_spans import span

FLOW_MS = 3.0  # mq.send waits this long for the downstream request
STAGES = ["Source.process", "mq.send", "Work.process", "mq.send (2)", "Sink.process"]


def hop(t, fid, trace, serialize_ms, *, kinds, link=False):
    """A send (a root: empty context) and the receive continuing it; the receive's poll
    started before the send did and ends after it. Returns the spans and the receive's end."""
    send_kind, recv_kind = (KIND_PRODUCER, KIND_CONSUMER) if kinds else (0, 0)
    end = t + FLOW_MS + serialize_ms + 1
    send = span("mq.send", t, end, trace=trace, kind=send_kind, frame__id=fid)
    out = [send, span("frame.serialize", t + FLOW_MS, t + FLOW_MS + serialize_ms, send)]
    out.append(span("zmq.send_multipart", end - 1, end, send))
    if link:  # the consumer's own trace, linked to the producer's
        recv = span("mq.recv", t - 1, end + 2, trace=trace + "r", kind=recv_kind, links=(send,))
    else:
        recv = span("mq.recv", t - 1, end + 2, send, kind=recv_kind)
    out += [recv, span("zmq.recv_multipart", t - 1, end + 1.5, recv)]
    return out, send, end + 2


def runtime_frame(fid, t0, *, serialize_ms=1.0, kinds=False, reach_sink=True, link=False):
    """One frame: {Source.process}, {mq.send > mq.recv, Work.process}, {mq.send > ...}."""
    out = [span("Source.process", t0, t0 + 2, trace=f"a{fid}", frame__id=fid)]
    spans, send, t = hop(t0 + 2, fid, f"b{fid}", 1.0, kinds=kinds, link=link)
    out += spans
    work_kind = KIND_CONSUMER if kinds else 0
    out.append(span("Work.process", t, t + 20, send, kind=work_kind, frame__id=fid))
    spans, send, t = hop(t + 20, fid, f"c{fid}", serialize_ms, kinds=kinds, link=link)
    if reach_sink:
        out += [*spans, span("Sink.process", t, t + 5, send, frame__id=fid)]
    else:  # the send went out; nothing received it
        out += [s for s in spans if s.name in ("mq.send", "frame.serialize", "zmq.send_multipart")]
    return out


def retry(t0):
    """A handshake retry: a 100 ms send with no children and nothing continuing it."""
    return span("mq.send", t0, t0 + 100, trace=f"retry{t0}")


def convert(spans, frames, warmup=0, **kw):
    doc = spans_to_document(spans, scenario="pipe", frames=frames, warmup=warmup, **kw)
    return doc, parse_results(doc, "spans")


def by_path(result, row=0):
    out = dict(zip([(s.name,) for s in result.stages], result.samples_ms[row], strict=True))
    out.update(
        zip([s.path for s in result.substages], result.substage_samples_ms[row], strict=True)
    )
    return out


@pytest.mark.parametrize("kinds", [False, True], ids=["names", "span-kinds"])
def test_a_frame_of_three_traces_is_one_frame_its_hops_send_start_to_receive_end(kinds):
    spans = runtime_frame(0, 0, kinds=kinds)
    _, result = convert(spans, frames=1)
    assert [(s.name, s.kind) for s in result.stages] == [
        ("Source.process", "filter"),
        ("mq.send", "ipc"),
        ("Work.process", "filter"),
        ("mq.send (2)", "ipc"),
        ("Sink.process", "filter"),
    ]
    ms = by_path(result)
    # The hop: from the send's start (2) to the receive's end (2 + 3 + 1 + 1 + 2 = 9).
    assert ms[("mq.send",)] == pytest.approx(7.0)
    assert ms[("mq.send", "frame.serialize")] == pytest.approx(1.0)
    assert ms[("mq.send", "zmq.send_multipart")] == pytest.approx(1.0)
    # The receive counts from the send's end: its poll wait is the producer's time.
    assert ms[("mq.send", "mq.recv")] == pytest.approx(2.0)
    assert ms[("mq.send", "mq.recv", "zmq.recv_multipart")] == pytest.approx(1.5)
    assert ms[("mq.send", "mq.recv", "(self)")] == pytest.approx(0.5)
    # The send's own time, in none of its parts: the wait for the downstream request.
    assert ms[("mq.send", "(self)")] == pytest.approx(FLOW_MS)
    assert ms[("Work.process",)] == 20.0 and ms[("Sink.process",)] == 5.0
    assert sum(result.samples_ms[0]) == pytest.approx(2 + 7 + 20 + 7 + 5)


def test_consumer_traces_linked_to_their_producers_join_the_frame_without_a_key():
    spans = [s for s in runtime_frame(0, 0, link=True) if s.name != "Source.process"]
    _, result = convert(spans, frames=1, frame_key="")
    assert [s.name for s in result.stages][:2] == ["mq.send", "Work.process"]
    assert ("mq.send", "mq.recv") in by_path(result)


def test_a_real_round_keeps_the_asked_frames_and_counts_what_it_dropped():
    rng = random.Random(3)
    spans = [retry(-400), retry(-300), retry(-200)]  # handshake retries, before frame 0
    for fid in range(7):
        spans += runtime_frame(fid, fid * 100, reach_sink=fid != 5)
    spans.append(span("Source.process", 900, 900.1, trace="end"))  # the call that ends it
    rng.shuffle(spans)
    doc, result = convert(spans, frames=4, warmup=1)
    assert [s.name for s in result.stages] == STAGES
    assert len(result.samples_ms) == 4
    assert doc["meta"]["dropped"] == {
        "incomplete_frames": 2,  # frame 5 (never reached the sink) and the source's last call
        "frames_beyond_count": 1,  # frames 1-4 and 6 are complete: one beyond the 4 asked
        "lone_spans": 3,
    }


def test_a_slower_serialize_moves_that_part_and_its_hop_only():
    """Downstream spans shift with it; nothing else may change (the receive's wait
    during the slower serialize belongs to the producer)."""
    _, before = convert(runtime_frame(0, 0), frames=1)
    _, after = convert(runtime_frame(0, 0, serialize_ms=4.0), frames=1)
    old, new = by_path(before), by_path(after)
    changed = {path for path in old if new[path] != pytest.approx(old[path])}
    assert changed == {("mq.send (2)",), ("mq.send (2)", "frame.serialize")}


def test_messaging_operation_attributes_tell_a_receive_from_the_next_stage():
    send = span("mq.send", 0, 4, trace="x")
    inside = span("mq.recv", 1, 3, send, kind=KIND_CONSUMER)  # inside its parent: still a hop
    handle = span("mq.handle", 3, 8, send, **{"messaging.operation.type": "process"})
    _, result = convert([send, inside, handle], frames=1)
    assert [s.name for s in result.stages] == ["mq.send", "mq.handle"]
    assert ("mq.send", "mq.recv") in by_path(result)


def test_the_refusal_names_roots_frames_and_the_first_offending_span():
    spans = [retry(-300)]
    for fid in range(3):
        spans += runtime_frame(fid, fid * 100, reach_sink=fid != 1)
    with pytest.raises(InvalidDocument) as info:
        convert(spans, frames=3)
    message = str(info.value)
    assert "\n" not in message
    assert "expected 3 frames, got 2 complete frames" in message
    assert "of 3 assembled (2 complete, 1 incomplete)" in message
    # 3 frames x 2 hops and the retry; 3 sources
    assert "10 roots (mq.send x7, Source.process x3)" in message
    assert "1 lone spans dropped" in message
    assert "first incomplete frame (1): has stages 'Source.process', 'mq.send'" in message


def test_without_the_frame_key_traces_of_a_frame_are_not_guessed_together():
    with pytest.raises(InvalidDocument, match="most frames are incomplete") as info:
        convert(runtime_frame(0, 0), frames=1, frame_key="")
    assert "of 3 assembled (1 complete, 2 incomplete)" in str(info.value)


def test_machine_facts_come_from_the_harness_resource():
    harness = {
        "process.runtime.name": "cpython",
        "process.runtime.version": "3.10.4",
        "telemetry.sdk.name": "opentelemetry",
        "telemetry.sdk.language": "python",
        "telemetry.sdk.version": "1.25.0",
        "perf_waterfall.package.numpy": "2.2.6",
        "perf_waterfall.package.pyzmq": "27.1.0",
    }
    other = {**harness, "perf_waterfall.package.numpy": "2.4.6"}
    root = span("frame", 0, 10, resource=harness)
    spans = [root, span("VideoIn", 0, 1, root, resource=harness)]
    spans += [span("Detector", 1, 2, root, resource=other)]
    doc, result = convert(spans, frames=1)
    assert result.meta["python"] == "3.10.4"
    assert result.meta["packages"] == {
        "numpy": "2.2.6 / 2.4.6",  # two processes disagree: both are shown
        "opentelemetry-sdk": "1.25.0",
        "pyzmq": "27.1.0",
    }
    java = {"process.runtime.name": "OpenJDK Runtime Environment", "process.runtime.version": "21"}
    root = span("frame", 0, 10, resource=java)
    doc, _ = convert([root, span("VideoIn", 0, 1, root, resource=java)], frames=1)
    assert "python" not in doc["meta"] and "packages" not in doc["meta"]
