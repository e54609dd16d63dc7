"""OTLP bodies decoded (otel/decode.py) and received over real HTTP (otel/receiver.py)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import urllib.error
import urllib.request

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel import receiver
from perfwaterfall.otel.decode import decode_body, decode_json_lines
from perfwaterfall.otel.receiver import TRACES_PATH, receiving
from tests.helpers.processes import wait_until

TRACE = bytes(range(16))
T0 = 1_700_000_000 * 10**9


def request(*spans: tuple[int, int, str, int, int]) -> ExportTraceServiceRequest:
    """Spans as (span id, parent id or 0, name, start ms, end ms) in one trace."""
    req = ExportTraceServiceRequest()
    scope = req.resource_spans.add().scope_spans.add()
    for sid, parent, name, start, end in spans:
        s = scope.spans.add()
        s.trace_id = TRACE
        s.span_id = sid.to_bytes(8, "big")
        if parent:
            s.parent_span_id = parent.to_bytes(8, "big")
        s.name = name
        s.start_time_unix_nano = T0 + start * 10**6
        s.end_time_unix_nano = T0 + end * 10**6
        attr = s.attributes.add()
        attr.key, attr.value.bool_value = "perf_waterfall.warmup", False
    return req


FRAME = request((1, 0, "frame", 0, 10), (2, 1, "hop 1", 1, 5), (3, 2, "zmq.send", 2, 4))


def otlp_json(req: ExportTraceServiceRequest) -> dict:
    """OTLP/JSON: the protobuf JSON mapping, but trace and span ids in hex."""
    data = json_format.MessageToDict(req)
    for span in data["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in span:
                import base64

                span[key] = base64.b64decode(span[key]).hex()
    return data


def test_protobuf_and_otlp_json_decode_to_the_same_spans():
    from_proto = decode_body(FRAME.SerializeToString(), "application/x-protobuf", "body")
    from_json = decode_body(json.dumps(otlp_json(FRAME)).encode(), "application/json", "body")
    assert from_proto == from_json
    assert [(s.name, s.parent_id) for s in from_proto] == [
        ("frame", ""),
        ("hop 1", "0000000000000001"),
        ("zmq.send", "0000000000000002"),
    ]
    assert from_proto[0].trace_id == TRACE.hex()
    assert from_proto[1].end_ns - from_proto[1].start_ns == 4 * 10**6
    assert from_proto[0].attributes == {"perf_waterfall.warmup": False}


def test_a_file_holds_json_lines_or_one_object():
    line = json.dumps(otlp_json(FRAME))
    assert len(decode_json_lines(f"{line}\n{line}\n".encode(), "file")) == 6
    pretty = json.dumps(otlp_json(FRAME), indent=2).encode()
    assert len(decode_json_lines(pretty, "file")) == 3


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b"\xff\xff\xff\xff", "application/x-protobuf", "malformed OTLP protobuf"),
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (b'{"resourceSpans": 3}', "application/json", "malformed OTLP JSON"),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "zz"}]}]}]}',
            "application/json",
            "not hexadecimal",
        ),
    ],
)
def test_malformed_bodies_are_one_line(body, content_type, fragment):
    with pytest.raises(InvalidDocument) as info:
        decode_body(body, content_type, "spans, request 1")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def post(url: str, body: bytes, content_type: str, encoding: str = "") -> int:
    headers = {"Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def receiver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("perf-waterfall-otlp")]


def refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_the_receiver_takes_protobuf_json_and_gzip_and_leaves_nothing():
    with receiving() as rx:
        url = rx.endpoint + TRACES_PATH
        assert rx.env()["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == url
        assert post(url, FRAME.SerializeToString(), "application/x-protobuf") == 200
        assert post(url, json.dumps(otlp_json(FRAME)).encode(), "application/json") == 200
        zipped = gzip.compress(FRAME.SerializeToString())
        assert post(url, zipped, "application/x-protobuf", "gzip") == 200
        assert len(rx.spans("spans")) == 9
        port = rx.port
    assert not receiver_threads()
    assert refused(port)


def test_the_base_endpoint_takes_spans_too_as_a_runtime_that_passes_it_on_posts_there():
    """An exporter handed OTEL_EXPORTER_OTLP_ENDPOINT unchanged posts to "/"."""
    with receiving() as rx:
        url = rx.endpoint + "/"
        assert post(url, FRAME.SerializeToString(), "application/x-protobuf") == 200
        zipped = gzip.compress(json.dumps(otlp_json(FRAME)).encode())
        assert post(url, zipped, "application/json", "gzip") == 200
        assert len(rx.spans("spans")) == 6
        with socket.create_connection(("127.0.0.1", rx.port)) as big:  # still bounded
            big.sendall(b"POST / HTTP/1.1\r\nContent-Length: 73400320\r\n\r\n")
            assert big.recv(100).startswith(b"HTTP/1.1 400")
        with pytest.raises(InvalidDocument, match="refused a request of 73400320 bytes"):
            rx.spans("spans")
    assert not receiver_threads()


def test_a_request_elsewhere_fails_the_round_once_decoded():
    with receiving() as rx:
        assert post(rx.endpoint + "/v1/metrics", b"", "application/x-protobuf") == 400
        with pytest.raises(
            InvalidDocument,
            match="the span receiver refused a POST to '/v1/metrics', not /v1/traces or /",
        ):
            rx.spans("spans")


def test_an_exception_in_the_round_still_stops_the_receiver():
    with pytest.raises(RuntimeError), receiving() as rx:
        port = rx.port
        raise RuntimeError("the round failed")
    assert not receiver_threads()
    assert refused(port)


def connection_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_a_client_that_stalls_mid_request_does_not_hang_the_stop(monkeypatch):
    monkeypatch.setattr(receiver._Handler, "timeout", 0.3)
    before = len(connection_threads())
    with receiving() as rx:
        stalled = socket.create_connection(("127.0.0.1", rx.port))
        stalled.sendall(b"POST /v1/traces HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial")
        wait_until(lambda: len(connection_threads()) > before, "the stalled request is served")
        port = rx.port
    # The stop returned although the client never finished: the request's timeout cut it off.
    assert len(connection_threads()) == before
    with pytest.raises(InvalidDocument):
        rx.spans("spans")  # and the cut-off request is a refusal, not silently nothing
    stalled.close()
    assert not receiver_threads()
    assert refused(port)


def test_a_port_already_taken_is_an_os_error_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(OSError), receiving(taken.getsockname()[1]):
            pass
    assert not receiver_threads()
