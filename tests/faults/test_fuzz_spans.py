"""Fuzz spans in: any body, any JSON, any set of spans gives a valid document or one line.

A harness's exporter is outside code: whatever arrives, decoding and converting either
yield a document that ``parse_results`` accepts or raise ``InvalidDocument``; nothing
else escapes (no traceback), and no name in an accepted document keeps a control
character raw.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.convert import spans_to_document
from perfwaterfall.otel.decode import Span, decode_body, decode_json
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.protocol.sanitize import UNSAFE

FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
T0 = 1_700_000_000 * 10**9

ids = st.sampled_from(["", "01", "02", "03", "04", "05"])
names = st.one_of(st.sampled_from(["frame", "hop 1", "send", "x (2)"]), st.text(max_size=8))
times = st.one_of(st.integers(min_value=0, max_value=2**64 - 1), st.integers(T0, T0 + 50).map(int))
spans = st.builds(
    Span,
    trace_id=st.sampled_from(["", "aa", "bb"]),
    span_id=ids,
    parent_id=ids,
    name=names,
    start_ns=times,
    end_ns=times,
    attributes=st.dictionaries(
        st.sampled_from(["perf_waterfall.warmup", "frame.id", "messaging.operation.type"]),
        st.one_of(st.booleans(), st.integers(0, 2), st.sampled_from(["receive", "process"])),
    ),
    kind=st.integers(0, 5),
    links=st.lists(st.tuples(st.just("aa"), ids), max_size=2).map(tuple),
    resource=st.dictionaries(
        st.sampled_from(["process.runtime.version", "telemetry.sdk.language", "x"]),
        st.one_of(st.text(max_size=8), st.integers()),
    ),
)


def accepted(doc: dict) -> None:
    result = parse_results(doc, "spans")
    for stage in (*result.stages, *result.substages):
        assert not UNSAFE.search(stage.name)


@FUZZ
@given(st.lists(spans, max_size=12), st.integers(1, 3), st.integers(0, 2))
def test_any_spans_make_a_valid_document_or_one_line(found, frames, warmup) -> None:
    try:
        doc = spans_to_document(found, scenario="pipe", frames=frames, warmup=warmup)
    except InvalidDocument as exc:
        assert "\n" not in str(exc) and not UNSAFE.search(str(exc))
        return
    accepted(doc)


@FUZZ
@given(st.binary(max_size=200))
def test_any_protobuf_body_decodes_or_is_refused(body) -> None:
    try:
        decode_body(body, "application/x-protobuf", "body")
    except InvalidDocument as exc:
        assert "\n" not in str(exc) and not UNSAFE.search(str(exc))


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.floats(allow_nan=False)
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "resourceSpans",
                    "scopeSpans",
                    "spans",
                    "traceId",
                    "spanId",
                    "parentSpanId",
                    "name",
                    "startTimeUnixNano",
                    "endTimeUnixNano",
                    "attributes",
                    "links",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=30,
)


@FUZZ
@given(json_values)
def test_any_json_decodes_or_is_refused(value) -> None:
    try:
        decode_json(value, "body")
    except InvalidDocument as exc:
        assert "\n" not in str(exc) and not UNSAFE.search(str(exc))
    try:
        decode_body(json.dumps(value).encode(), "application/json", "body")
    except InvalidDocument as exc:
        assert "\n" not in str(exc) and not UNSAFE.search(str(exc))
