"""A throw-away repository whose harness is instrumented with the OpenTelemetry SDK for real.

It knows nothing of perf-waterfall: a TracerProvider with a BatchSpanProcessor and an
OTLP/HTTP exporter reads the standard OTEL_EXPORTER_OTLP_* variables (``spans =
"otlp"``), or, with PERF_WATERFALL_OTLP_FILE set (``spans = "file"``), the same spans
go to that file as OTLP JSON lines. One root span per frame, a hop broken into parts.
OTEL_SLOW_MS slows one sub-span: ``hop 1`` > ``zmq.send_multipart``.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.gitrepo import build_repo

OTEL_HARNESS = '''\
"""An OpenTelemetry-instrumented pipeline; OTEL_SLOW_MS slows the kernel copy of hop 1."""

import argparse
import json
import os
import sys
import time

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult


class JsonLinesExporter(SpanExporter):
    """The same spans as OTLP JSON lines, for spans = "file"."""

    def __init__(self, path):
        self.path = path

    def export(self, spans):
        from google.protobuf import json_format
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        request = json_format.MessageToDict(encode_spans(spans))
        for resource in request.get("resourceSpans", []):
            for scope in resource.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if span.get(key):  # OTLP/JSON spells ids in hex
                            import base64

                            span[key] = base64.b64decode(span[key]).hex()
        with open(self.path, "a") as f:
            f.write(json.dumps(request) + "\\n")
        return SpanExportResult.SUCCESS


def exporter():
    path = os.environ.get("PERF_WATERFALL_OTLP_FILE")
    if path:
        return JsonLinesExporter(path)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT


def spin(ms):
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def pipeline(tracer, frames, warmup, slow_ms):
    for n in range(warmup + frames):
        warm = {"perf_waterfall.warmup": n < warmup}
        with tracer.start_as_current_span("frame", attributes=warm):
            with tracer.start_as_current_span("VideoIn"):
                spin(0.3)
            with tracer.start_as_current_span("hop 1"):
                with tracer.start_as_current_span("frame.serialize"):
                    spin(0.2)
                with tracer.start_as_current_span("zmq.send_multipart"):
                    spin(0.3 + slow_ms)
                with tracer.start_as_current_span("frame.deserialize"):
                    spin(0.2)
            with tracer.start_as_current_span("Detector"):
                spin(1.0)


def main():
    parser = argparse.ArgumentParser(prog="otelbench")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    run = sub.add_parser("run")
    for name in ("--scenario", "--output"):
        run.add_argument(name, required=True)
    for name in ("--frames", "--warmup"):
        run.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    if args.command == "list":
        print(json.dumps([{"name": "pipe", "label": "one hop, traced"}]))
        return 0
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter()))
    tracer = provider.get_tracer("otelbench")
    pipeline(tracer, args.frames, args.warmup, float(os.environ.get("OTEL_SLOW_MS", "0")))
    provider.force_flush()
    provider.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def otel_repo(path: Path, spans: str = "otlp", extra_table: str = "") -> Path:
    """Two commits (branch ``base`` on the first); the table says ``spans = SPANS``."""
    pyproject = (
        '[project]\nname = "otelbench"\n\n[tool.perf-waterfall]\n'
        f'harness = ["{{python}}", "bench.py"]\nspans = "{spans}"\n{extra_table}'
    )
    return build_repo(
        path,
        [
            ("write", "bench.py", OTEL_HARNESS),
            ("write", "pyproject.toml", pyproject),
            ("commit", "an OpenTelemetry-instrumented harness"),
            ("branch", "base"),
            ("write", "NOTES", "a second commit\n"),
            ("commit", "second"),
        ],
    )
