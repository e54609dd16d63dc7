"""A throw-away repository whose harness is instrumented with the OpenTelemetry SDK for real.

It knows nothing of perf-waterfall: a TracerProvider with a BatchSpanProcessor and an
OTLP/HTTP exporter reads the standard OTEL_EXPORTER_OTLP_* variables (``spans =
"otlp"``), or, with PERF_WATERFALL_OTLP_FILE set (``spans = "file"``), the same spans
go to that file as OTLP JSON lines. One root span per frame, a hop broken into parts.
OTEL_SLOW_MS slows one sub-span: ``hop 1`` > ``zmq.send_multipart``. Span times come
from a seeded model (OTEL_SEED), so the verdicts a test expects do not hang on the load.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.gitrepo import build_repo

PIPELINE_HARNESS = Path(__file__).with_name("otel_pipeline_harness.py")

OTEL_HARNESS = '''\
"""An OpenTelemetry-instrumented pipeline; OTEL_SLOW_MS slows the kernel copy of hop 1.

The spans go through the real SDK (TracerProvider, BatchSpanProcessor, an exporter);
their times come from a model with seeded per-round noise (OTEL_SEED and a round
counter per side), not from sleeping, so what a test expects holds on a busy machine.
"""

import argparse
import base64
import json
import math
import os
import random
import sys
import time
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

MS = 1_000_000
# The frame's layout: (name, ms, children); a parent lasts its children plus its own ms.
HOP = [
    ("frame.serialize", 0.2, []),
    ("zmq.send_multipart", 0.3, []),
    ("frame.deserialize", 0.2, []),
]
FRAME = [("VideoIn", 0.3, []), ("hop 1", 0.05, HOP), ("Detector", 1.0, [])]


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


def next_round():
    counter = Path(".otel-rounds")  # in the side's worktree: one count per side
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    return n


def emit(tracer, node, start, parent, run, attributes=None):
    """One span (name, its own ms, children) and its children from ``start`` (ns); its end."""
    name, own_ms, children = node
    span = tracer.start_span(name, context=parent, start_time=start, attributes=attributes)
    t = start
    for child in children:
        t = emit(tracer, child, t, trace.set_span_in_context(span), run) + 10_000
    own_ms *= run["factors"][name]
    if name == "zmq.send_multipart":
        own_ms += run["slow_ms"]
    end = t + int(own_ms * MS)
    span.end(end_time=end)
    return end


def pipeline(tracer, frames, warmup, slow_ms):
    rng = random.Random(f"{os.environ.get('OTEL_SEED', '0')}-{next_round()}")
    names = ["frame"] + [name for name, _, _ in FRAME + HOP]
    run = {"factors": {n: math.exp(rng.gauss(0, 0.01)) for n in names}, "slow_ms": slow_ms}
    t = time.time_ns()
    for n in range(warmup + frames):
        warm = {"perf_waterfall.warmup": n < warmup}
        t = emit(tracer, ("frame", 0.1, FRAME), t, None, run, warm) + MS


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
            ("write", ".gitignore", ".otel-rounds\n"),
            ("commit", "an OpenTelemetry-instrumented harness"),
            ("branch", "base"),
            ("write", "NOTES", "a second commit\n"),
            ("commit", "second"),
        ],
    )


def pipeline_repo(path: Path) -> Path:
    """Like ``otel_repo``, with the three-process, runtime-shaped pipeline as its harness."""
    pyproject = (
        '[project]\nname = "pipeline"\n\n[tool.perf-waterfall]\n'
        'harness = ["{python}", "bench.py"]\nspans = "otlp"\n'
    )
    return build_repo(
        path,
        [
            ("write", "bench.py", PIPELINE_HARNESS.read_text()),
            ("write", "pyproject.toml", pyproject),
            ("write", ".gitignore", ".otel-rounds\n"),
            ("commit", "a traced three-process pipeline"),
            ("branch", "base"),
            ("write", "NOTES", "a second commit\n"),
            ("commit", "second"),
        ],
    )
