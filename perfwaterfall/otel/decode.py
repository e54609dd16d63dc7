"""OTLP trace payloads (protobuf or JSON) into plain ``Span`` records.

The messages are the OpenTelemetry project's own (``opentelemetry-proto``); JSON goes
through protobuf's ``json_format``, after turning OTLP/JSON's hex trace and span ids
into the base64 that the standard protobuf JSON mapping expects (the one place OTLP/JSON
departs from it). Every problem is an ``InvalidDocument``: one line, never a traceback.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.loading import loads_json
from perfwaterfall.protocol.sanitize import shown

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_ID_KEYS = ("traceId", "spanId", "parentSpanId")
# OTLP's SpanKind values (trace.proto): what a span says it is, when the runtime says.
KIND_INTERNAL, KIND_SERVER, KIND_CLIENT, KIND_PRODUCER, KIND_CONSUMER = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Span:
    """One finished span: ids as hex, times in nanoseconds since the epoch.

    ``links`` are the (trace id, span id) pairs it links to; ``resource`` is the
    attributes of the process that reported it (shared by that process's spans).
    """

    trace_id: str
    span_id: str
    parent_id: str  # "" for a root
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    kind: int = 0  # 0: unspecified
    links: tuple[tuple[str, str], ...] = ()
    resource: Mapping[str, Any] = field(default_factory=dict)


def decode_body(body: bytes, content_type: str, where: str) -> list[Span]:
    """One export request body: protobuf, or JSON when the content type says so."""
    if content_type.split(";")[0].strip().lower() == JSON:
        return decode_json(loads_json(body, where), where)
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError) as exc:
        raise InvalidDocument(f"{where}: malformed OTLP protobuf ({_first_line(exc)})") from None
    return list(_spans(request))


def decode_json_lines(text: bytes, where: str) -> list[Span]:
    """An OTLP JSON file: one export request per line (the collector's file format),
    or one request object spread over many lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and not lines[0].rstrip().endswith(b"}"):  # one object, many lines
        lines = [text]
    spans: list[Span] = []
    for number, line in enumerate(lines, 1):
        at = f"{where}, line {number}" if len(lines) > 1 else where
        spans += decode_json(loads_json(line, at), at)
    return spans


def decode_json(data: Any, where: str) -> list[Span]:
    """A decoded OTLP/JSON export request."""
    if not isinstance(data, dict):
        raise InvalidDocument(f"{where}: an OTLP export request must be a JSON object")
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(_ids_as_base64(data), request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidDocument(f"{where}: malformed OTLP JSON ({_first_line(exc)})") from None
    return list(_spans(request))


def _ids_as_base64(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the request with every span's (and link's) hex ids in base64."""
    out = json.loads(json.dumps(data))
    for resource in _list(out.get("resourceSpans")):
        for scope in _list(resource.get("scopeSpans") if isinstance(resource, dict) else None):
            for span in _list(scope.get("spans") if isinstance(scope, dict) else None):
                if isinstance(span, dict):
                    _convert_ids(span)
                    for link in _list(span.get("links")):
                        if isinstance(link, dict):
                            _convert_ids(link)
    return dict(out)


def _convert_ids(obj: dict[str, Any]) -> None:
    for key in _ID_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value:
            try:
                obj[key] = base64.b64encode(bytes.fromhex(value)).decode()
            except ValueError:
                raise ValueError(f"{key} {value[:40]!r} is not hexadecimal") from None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _spans(request: ExportTraceServiceRequest) -> Iterator[Span]:
    for resource in request.resource_spans:
        process = _attributes(resource.resource.attributes)
        for scope in resource.scope_spans:
            for span in scope.spans:
                yield Span(
                    trace_id=span.trace_id.hex(),
                    span_id=span.span_id.hex(),
                    parent_id=span.parent_span_id.hex(),
                    name=span.name,
                    start_ns=span.start_time_unix_nano,
                    end_ns=span.end_time_unix_nano,
                    attributes=_attributes(span.attributes),
                    kind=int(span.kind),
                    links=tuple((link.trace_id.hex(), link.span_id.hex()) for link in span.links),
                    resource=process,
                )


def _attributes(pairs: Iterable[Any]) -> dict[str, Any]:
    """Scalar attributes only: the converter reads a few (a flag, a frame key, versions)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        value: AnyValue = pair.value
        which = value.WhichOneof("value")
        if which in ("string_value", "bool_value", "int_value", "double_value"):
            out[pair.key] = getattr(value, which)
    return out


def _first_line(exc: BaseException) -> str:
    """An exception's first line, shown: it may quote the body, which is outside data."""
    text = str(exc).strip().splitlines()
    return shown((text[0] if text else type(exc).__name__)[:200])
