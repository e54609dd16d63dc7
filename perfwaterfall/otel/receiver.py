"""An OTLP/HTTP trace receiver on 127.0.0.1, alive for exactly one round.

A stdlib ``http.server`` (a thread per connection: a harness may export from several
processes, each keeping its connection alive): it answers ``POST /v1/traces`` (protobuf or
JSON, optionally gzip; also ``POST /``, where an SDK given only ``OTEL_EXPORTER_OTLP_ENDPOINT``
as its endpoint posts) with an empty success and keeps the bodies; decoding happens
after the round, in the caller's thread, so a bad body fails the round with one line.
``receiving`` stops the server, closes its socket and joins its threads on every exit
path; a connection that stalls is cut off by a socket timeout, so stopping never hangs.
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.measure.processes import run_to_completion
from perfwaterfall.otel.decode import JSON, PROTOBUF, Span, decode_body
from perfwaterfall.protocol.document import MAX_DOCUMENT_BYTES

HOST = "127.0.0.1"
TRACES_PATH = "/v1/traces"
# "/": an exporter handed the base endpoint unchanged (as some runtimes do) posts there.
ACCEPTED_PATHS = (TRACES_PATH, "/")
# A client that sends headers and then nothing is cut off after this long.
REQUEST_TIMEOUT_S = 5.0
POLL_INTERVAL_S = 0.05


@dataclass
class Received:
    """What arrived during a round: request bodies, and the first refusal if any."""

    bodies: list[tuple[bytes, str]] = field(default_factory=list)
    total_bytes: int = 0
    problem: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server(ThreadingHTTPServer):
    received: Received
    daemon_threads = False  # server_close joins every connection's thread


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = REQUEST_TIMEOUT_S
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        received = self.server.received
        problem, body, content_type = self._read()
        with received.lock:
            if not problem and received.total_bytes + len(body) > MAX_DOCUMENT_BYTES:
                problem = f"more than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB of spans"
            if problem:
                received.problem = received.problem or problem
            else:
                received.total_bytes += len(body)
                received.bodies.append((body, content_type))
        if problem:
            self._answer(400, b"", "text/plain")
        elif content_type.startswith(JSON):
            self._answer(200, b"{}", JSON)
        else:
            self._answer(200, b"", PROTOBUF)  # an empty ExportTraceServiceResponse

    def _read(self) -> tuple[str, bytes, str]:
        if self.path.split("?")[0] not in ACCEPTED_PATHS:
            return f"a POST to {self.path[:80]!r}, not {TRACES_PATH} or /", b"", ""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return "a request without a Content-Length", b"", ""
        if not 0 <= length <= MAX_DOCUMENT_BYTES:
            return f"a request of {length} bytes", b"", ""
        try:
            body = self.rfile.read(length)
        except OSError:  # a client that stalls is cut off by the socket's timeout
            body = b""
        if len(body) < length:
            return "a request cut short (its client stalled or died mid-export)", b"", ""
        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        if encoding == "gzip":
            try:
                inflate = zlib.decompressobj(wbits=31)
                body = inflate.decompress(body, MAX_DOCUMENT_BYTES + 1)
            except zlib.error:
                return "a gzip body that does not inflate", b"", ""
            if len(body) > MAX_DOCUMENT_BYTES:
                return "a gzip body too large once inflated", b"", ""
        elif encoding not in ("", "identity"):
            return f"a body in {encoding[:40]!r} encoding (gzip or none)", b"", ""
        content_type = self.headers.get("Content-Type", PROTOBUF).lower()
        return "", body, content_type

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        with contextlib.suppress(OSError):  # a client that went away needs no answer
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(405, b"", "text/plain")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the harness's exporter is not ours to report on."""


@dataclass(frozen=True)
class Receiver:
    """A running receiver: where to send spans, and what has come."""

    port: int
    received: Received

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def env(self) -> dict[str, str]:
        """The standard variables an OpenTelemetry SDK reads: no code change in the harness."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{self.endpoint}{TRACES_PATH}",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
            "OTEL_TRACES_EXPORTER": "otlp",
        }

    def spans(self, where: str) -> list[Span]:
        """Every span received, decoded; a refused request or bad body is InvalidDocument."""
        with self.received.lock:
            problem, bodies = self.received.problem, list(self.received.bodies)
        if problem:
            raise InvalidDocument(f"{where}: the span receiver refused {problem}")
        spans: list[Span] = []
        for number, (body, content_type) in enumerate(bodies, 1):
            spans += decode_body(body, content_type, f"{where}, request {number}")
        return spans


@contextmanager
def receiving(port: int = 0) -> Iterator[Receiver]:
    """A receiver on ``127.0.0.1:port`` (0: any free port) for the ``with`` block.

    A port already taken raises OSError before anything starts.
    """
    server = _Server((HOST, port), _Handler)
    server.received = Received()
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_INTERVAL_S},
        name="perf-waterfall-otlp-receiver",
        daemon=True,
    )

    def stop() -> None:
        if thread.is_alive():
            server.shutdown()  # serve_forever ends within POLL_INTERVAL_S
            thread.join()
        server.server_close()  # the listening socket, then every connection's thread

    try:
        thread.start()
        yield Receiver(port=server.server_address[1], received=server.received)
    finally:
        run_to_completion(stop)
