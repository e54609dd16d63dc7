"""Spans to a results document (perfwaterfall/otel/convert.py), checked by the real parser."""

from __future__ import annotations

import random

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.convert import WARMUP_ATTRIBUTE, span_kind, spans_to_document
from perfwaterfall.otel.decode import Span
from perfwaterfall.protocol.parsing import parse_results
from tests.unit.otel_spans import MS, span


def frame(t0, trace, **attributes):
    """One traced frame starting at ``t0`` ms: VideoIn, hop 1 (3 parts, one nested), Detector."""
    root = span("frame", t0, t0 + 10, trace=trace, **attributes)
    hop = span("hop 1", t0 + 1, t0 + 5, root)
    send = span("zmq.send", t0 + 2, t0 + 4, hop)
    return [
        root,
        span("VideoIn", t0, t0 + 1, root),
        hop,
        span("frame.serialize", t0 + 1, t0 + 2, hop),
        send,
        span("kernel copy", t0 + 2.5, t0 + 3.5, send),
        span("frame.deserialize", t0 + 4, t0 + 5, hop),
        span("Detector", t0 + 5, t0 + 9, root),
    ]


def convert(spans, frames, warmup=0, **kw):
    doc = spans_to_document(spans, scenario="pipe", frames=frames, warmup=warmup, **kw)
    return doc, parse_results(doc, "spans")


def test_one_root_per_frame_its_children_stages_theirs_sub_stages():
    spans = frame(0, "a") + frame(20, "b")
    random.Random(1).shuffle(spans)  # arrival order means nothing
    doc, result = convert(spans, frames=2)
    assert [(s.name, s.kind) for s in result.stages] == [
        ("VideoIn", "filter"),
        ("hop 1", "ipc"),
        ("Detector", "filter"),
    ]
    assert [s.path for s in result.substages] == [
        ("hop 1", "frame.serialize"),
        ("hop 1", "zmq.send"),
        ("hop 1", "frame.deserialize"),
        ("hop 1", "(self)"),
        ("hop 1", "zmq.send", "kernel copy"),
        ("hop 1", "zmq.send", "(self)"),
    ]
    assert result.samples_ms == ((1.0, 4.0, 4.0), (1.0, 4.0, 4.0))
    # A span with parts has one more, its time in none of them: zmq.send's 1 ms around
    # the kernel copy; hop 1 is all parts, so its own is 0.
    assert result.substage_samples_ms[0] == (1.0, 2.0, 1.0, 0.0, 1.0, 1.0)
    # Frame time is the stages' sum, the root's idle millisecond and the parts excluded.
    assert sum(result.samples_ms[0]) == 9.0
    assert doc["meta"]["spans"] == 16


def test_warm_up_frames_are_the_first_roots_or_those_marked():
    spans = frame(0, "a") + frame(20, "b") + frame(40, "c")
    doc, _ = convert(spans, frames=1, warmup=2)
    assert len(doc["samples_ms"]) == 1
    marked = frame(0, "a", **{WARMUP_ATTRIBUTE: False}) + frame(20, "b", **{WARMUP_ATTRIBUTE: True})
    doc, _ = convert(marked, frames=1, warmup=5)  # the attribute decides, not the count
    assert len(doc["samples_ms"]) == 1


def test_repeated_sibling_names_get_a_counter_and_keep_their_kind():
    root = span("frame", 0, 10)
    first = span("mq.send", 1, 2, root)
    second = span("mq.send", 5, 6, root)
    spans = [root, span("A", 0, 1, root), first, span("zmq.send_multipart", 1, 2, first)]
    spans += [span("B", 2, 5, root), second, span("zmq.send_multipart", 5, 6, second)]
    _, result = convert(spans, frames=1)
    assert [(s.name, s.kind) for s in result.stages] == [
        ("A", "filter"),
        ("mq.send", "ipc"),
        ("B", "filter"),
        ("mq.send (2)", "ipc"),
    ]
    assert [s.path for s in result.substages] == [
        ("mq.send", "zmq.send_multipart"),
        ("mq.send", "(self)"),
        ("mq.send (2)", "zmq.send_multipart"),
        ("mq.send (2)", "(self)"),
    ]


def test_a_name_that_looks_like_a_counter_is_not_taken_twice():
    root = span("frame", 0, 10)
    spans = [root, span("send", 0, 1, root), span("send (2)", 1, 2, root), span("send", 2, 3, root)]
    _, result = convert(spans, frames=1)
    assert [s.name for s in result.stages] == ["send", "send (2)", "send (3)"]


def test_many_siblings_of_one_name_are_counted_in_linear_time():
    root = span("frame", 0, 10)
    spans = [root] + [span("x", 0, 1, root) for _ in range(20_000)]
    _, result = convert(spans, frames=1)
    assert result.stages[-1].name == "x (20000)"


def test_kinds_come_from_the_table_first_then_the_defaults():
    rules = (("Detector*", "other"), ("*.encode_jpg", "filter"))
    assert span_kind("DetectorV2", rules) == "other"
    assert span_kind("frame.encode_jpg", rules) == "filter"
    assert span_kind("frame.decode_jpg", rules) == "ipc"
    assert span_kind("mq.recv", ()) == "ipc"
    assert span_kind("Tracker", ()) == "filter"


def test_a_stage_missing_from_one_frame_is_zero_there():
    a = frame(0, "a")
    b = [s for s in frame(20, "b") if s.name != "frame.deserialize"]
    _, result = convert(a + b, frames=2)
    column = [s.path for s in result.substages].index(("hop 1", "frame.deserialize"))
    assert [row[column] for row in result.substage_samples_ms] == [1.0, 0.0]


def bad(case):
    root = span("frame", 0, 10)
    if case == "no root":
        lost = span("frame", 0, 10, trace="t2")
        return [span("VideoIn", 0, 1, lost)]
    if case == "ends before it starts":
        return [root, span("VideoIn", 2, 1, root)]
    if case == "lost parent":
        return [root, span("VideoIn", 0, 1, root), span("x", 0, 1, span("gone", 0, 1, root))]
    if case == "too few frames":
        return frame(0, "a")
    if case == "no stages":
        return [root, span("frame", 20, 30, trace="t3")]
    if case == "cycle":
        a, b = span("a", 0, 1, root), span("b", 0, 1, root)
        a2 = Span(a.trace_id, a.span_id, b.span_id, "a", a.start_ns, a.end_ns, {})
        b2 = Span(b.trace_id, b.span_id, a.span_id, "b", b.start_ns, b.end_ns, {})
        return [root, span("VideoIn", 0, 1, root), a2, b2]
    if case == "deep":
        chain = [root]
        for _ in range(40):
            chain.append(span("inner", 0, 10, chain[-1]))
        return chain
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "fragment", "frames"),
    [
        ("no root", "a frame without a root: trace t2 has no root span", 1),
        ("ends before it starts", "'VideoIn' ends before it starts", 1),
        ("lost parent", "span 'x' names a parent (", 2),
        ("too few frames", "expected 2 frames, got 1 complete frames", 2),
        ("no stages", "span 'frame' has no child spans (no stages)", 2),
        ("cycle", "their own ancestors", 1),
        ("deep", "nested more than 32 levels deep", 1),
    ],
)
def test_bad_spans_are_refused_in_one_line(case, fragment, frames):
    with pytest.raises(InvalidDocument) as info:
        spans_to_document(bad(case), scenario="pipe", frames=frames, warmup=0, where="spans")
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert message.startswith("spans: ")


@pytest.mark.parametrize(("start", "end"), [(5, 11), (-1, 1)])
def test_a_child_outside_its_parent_is_the_next_stage_not_an_error(start, end):
    """OpenTelemetry lets a consumer run outside the producer it hangs off."""
    root = span("frame", 0, 10)
    spans = [root, span("Detector", start, end, root)]
    _, result = convert(spans, frames=1)
    if start < 0:  # it started first, so it is the first stage
        assert [s.name for s in result.stages] == ["Detector", "frame"]
    else:
        assert [s.name for s in result.stages] == ["frame", "Detector"]
    assert dict(zip([s.name for s in result.stages], result.samples_ms[0], strict=True)) == {
        "frame": 10.0,
        "Detector": float(end - start),
    }


def test_lost_frames_suggest_an_unflushed_exporter():
    with pytest.raises(InvalidDocument, match="flush its exporter"):
        spans_to_document(frame(0, "a"), scenario="pipe", frames=3, warmup=0)


def test_span_names_are_shown_not_obeyed():
    root = span("frame", 0, 10)
    _, result = convert([root, span("Video\x1b[2JIn", 0, 1, root)], frames=1)
    assert result.stages[0].name == "Video\\x1b[2JIn"


def test_random_trees_always_make_valid_documents_whose_parts_fit_their_parents():
    rng = random.Random(7)
    for _ in range(50):
        spans, frames = [], rng.randint(1, 4)
        for f in range(frames):
            root = span("frame", f * 1000, f * 1000 + 900, trace=f"r{f}")
            spans.append(root)
            _grow(rng, root, spans, depth=0)
        _, result = convert(spans, frames=frames)
        assert len(result.substage_samples_ms) == len(result.samples_ms)
        for f in range(frames):
            ms = dict(zip([s.path for s in result.stages], result.samples_ms[f], strict=True))
            subs = [s.path for s in result.substages]
            ms.update(zip(subs, result.substage_samples_ms[f], strict=True))
            for path, value in ms.items():
                inside = sum(v for p, v in ms.items() if p[:-1] == path)
                assert inside <= value + 1e-9, (path, value, inside)


def _grow(rng, parent, spans, depth):
    """Children inside ``parent``, non-overlapping, with names reused to exercise counters."""
    start = (parent.start_ns - 1_700_000_000 * 10**9) / MS
    end = (parent.end_ns - 1_700_000_000 * 10**9) / MS
    if depth >= 3 or end - start < 4:
        return
    cuts = sorted(rng.uniform(start + 0.01, end - 0.01) for _ in range(2 * rng.randint(1, 3)))
    for a, b in zip(cuts[::2], cuts[1::2], strict=True):
        child = span(rng.choice(["send", "recv", "work"]), a, b, parent)
        spans.append(child)
        _grow(rng, child, spans, depth + 1)
