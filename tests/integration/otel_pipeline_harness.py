"""A three-process pipeline traced the way the video-pipeline runtime traces itself.

Copied into a throw-away repository as ``bench.py`` (otel_repo.py); it knows nothing
of perf-waterfall. ``run`` forks three processes (source, work, sink) joined by
socket pairs; each has its own OpenTelemetry SDK exporting to the base endpoint
(``OTEL_EXPORTER_OTLP_ENDPOINT`` handed on unchanged, so the SDK posts to ``/``).
Like the runtime:

- each hop is an ``mq.send`` started under an empty context (the chain breaks at each
  filter), its ``frame.serialize`` and ``zmq.send_multipart`` inside; the consumer's
  ``mq.recv`` and ``{Filter}.process`` hang off the producer's propagated context,
  the receive starting before its parent (its poll) and both ending after it;
- ``mq.send`` waits for the consumer's request first (flow control);
- three 100 ms handshake ``mq.send`` retries with no children come first, a last
  ``Source.process`` ends the source, and the last frame never reaches the sink;
- hop 1 sets span kinds PRODUCER/CONSUMER, hop 2 none (the names must do);
- every span of a frame carries ``frame.id``.

OTEL_TIMES=model (default): span times come from a seeded model carried along with
the messages (OTEL_SEED, a round counter per side), so a test's verdicts do not hang
on the load; OTEL_SLOW_MS is added to the work filter's serialize. OTEL_TIMES=real:
real times, real copies of an OTEL_PAYLOAD_KB payload; OTEL_HOP1=copy copies the
frame in hop 1's serialize, zerocopy sends a view of it.
"""

import argparse
import json
import math
import os
import platform
import random
import socket
import struct
import sys
import time
from pathlib import Path

MS = 1_000_000
PERIOD_MS = 40.0  # the source's frame interval: it is the pipeline's slowest part
WORK_MS = {"Source.process": 2.0, "Work.process": 8.0, "Sink.process": 3.0}
COST_MS = {"flow": 0.05, "frame.serialize": 0.2, "zmq.send_multipart": 0.3, "zmq.recv": 0.25}


class Clock:
    """Model time (advanced by costs, carried by messages) or real time."""

    def __init__(self, role):
        self.model = os.environ.get("OTEL_TIMES", "model") == "model"
        self.t = int(os.environ["OTEL_T0"])
        seed = f"{os.environ.get('OTEL_SEED', '0')}-{os.environ['OTEL_ROUND']}-{role}"
        rng = random.Random(seed)
        names = sorted({*WORK_MS, *COST_MS})
        self.factor = {n: math.exp(rng.gauss(0, 0.01)) for n in names}

    def now(self):
        return self.t if self.model else time.time_ns()

    def cost(self, name, extra_ms=0.0):
        """A transport cost: modelled only (real mode pays it for real)."""
        if self.model:
            self.t += int((COST_MS[name] * self.factor[name] + extra_ms) * MS)
        elif extra_ms:
            time.sleep(extra_ms / 1000)

    def work(self, name, ms):
        if self.model:
            self.t += int(ms * self.factor.get(name, 1.0) * MS)
        else:
            time.sleep(ms / 1000)

    def see(self, t):
        if self.model:
            self.t = max(self.t, t)


def write(sock, header, payload=b""):
    head = json.dumps({**header, "size": len(payload)}).encode()
    sock.sendall(struct.pack("!I", len(head)) + head)
    if payload:
        sock.sendall(payload)


def read_exact(sock, n):
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if not k:
            raise EOFError("peer closed")
        got += k
    return buf


def read(sock):
    (n,) = struct.unpack("!I", read_exact(sock, 4))
    header = json.loads(read_exact(sock, n))
    return header, read_exact(sock, header["size"]) if header["size"] else b""


def tracing(role):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {
            "service.name": "pipeline",
            "pipeline.id": "p1",  # all three processes report the same resource
            "process.runtime.name": platform.python_implementation().lower(),
            "process.runtime.version": platform.python_version(),
        }
    )
    provider = TracerProvider(resource=resource)
    endpoint = os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"]  # passed on unchanged: POST /
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider, provider.get_tracer(f"pipeline.{role}")


def send(sock, clock, tracer, frame, payload, *, hop1, slow_ms=0.0):
    """One hop's producer side: a root under an empty context, as the runtime does."""
    from opentelemetry import propagate, trace
    from opentelemetry.context import Context

    kind = trace.SpanKind.PRODUCER if hop1 else trace.SpanKind.INTERNAL
    attrs = {"frame.id": frame}
    span = tracer.start_span("mq.send", Context(), kind, attrs, start_time=clock.now())
    ctx = trace.set_span_in_context(span)
    ready, _ = read(sock)  # flow control: wait for the consumer's request
    clock.see(ready["clock"])
    clock.cost("flow")
    part = tracer.start_span("frame.serialize", ctx, start_time=clock.now(), attributes=attrs)
    copy = hop1 and os.environ.get("OTEL_HOP1", "zerocopy") == "copy"
    data = bytes(payload) if copy else memoryview(payload)
    clock.cost("frame.serialize", slow_ms)
    part.end(clock.now())
    part = tracer.start_span("zmq.send_multipart", ctx, start_time=clock.now(), attributes=attrs)
    carrier = {}
    propagate.inject(carrier, context=ctx)
    clock.cost("zmq.send_multipart")
    write(sock, {"frame": frame, "carrier": carrier, "clock": clock.now()}, data)
    part.end(clock.now())
    span.end(clock.now())


def receive(sock, clock, tracer, *, hop1, traced=lambda frame: True):
    """One hop's consumer side: request, receive; the spans hang off the producer's context."""
    from opentelemetry import propagate, trace

    poll = clock.now()
    write(sock, {"clock": poll})
    header, data = read(sock)
    frame = header["frame"]
    if frame < 0 or not traced(frame):
        return frame, data, None
    clock.see(header["clock"])
    clock.cost("zmq.recv")
    ctx = propagate.extract(header["carrier"])
    kind = trace.SpanKind.CONSUMER if hop1 else trace.SpanKind.INTERNAL
    attrs = {"frame.id": frame}
    span = tracer.start_span("mq.recv", ctx, kind, attrs, start_time=poll)
    part = tracer.start_span("zmq.recv_multipart", trace.set_span_in_context(span), start_time=poll)
    part.end(clock.now())
    clock.cost("zmq.recv")
    span.end(clock.now())
    return frame, data, ctx


def process(tracer, clock, name, frame, ctx, *, hop1):
    from opentelemetry import trace

    kind = trace.SpanKind.CONSUMER if hop1 else trace.SpanKind.INTERNAL
    span = tracer.start_span(name, ctx, kind, {"frame.id": frame}, start_time=clock.now())
    clock.work(name, WORK_MS[name])
    span.end(clock.now())


def source(tracer, clock, down, total):
    from opentelemetry.context import Context

    for _ in range(3):  # handshake retries: 100 ms each, no children, nothing continues them
        t = clock.now()
        tracer.start_span("mq.send", Context(), start_time=t - 100 * MS).end(t)
    payload = bytearray(os.urandom(int(os.environ.get("OTEL_PAYLOAD_KB", "1")) * 1024))
    for frame in range(total):
        clock.work("period", PERIOD_MS)
        attrs = {"frame.id": frame}
        span = tracer.start_span(
            "Source.process", Context(), attributes=attrs, start_time=clock.now()
        )
        clock.work("Source.process", WORK_MS["Source.process"])
        span.end(clock.now())
        send(down, clock, tracer, frame, payload, hop1=True)
    tracer.start_span("Source.process", Context(), start_time=clock.now()).end(clock.now())
    read(down)
    write(down, {"frame": -1, "carrier": {}, "clock": clock.now()})


def work(tracer, clock, up, down):
    slow = float(os.environ.get("OTEL_SLOW_MS", "0"))
    while True:
        frame, data, ctx = receive(up, clock, tracer, hop1=True)
        if frame < 0:
            break
        process(tracer, clock, "Work.process", frame, ctx, hop1=True)
        send(down, clock, tracer, frame, data, hop1=False, slow_ms=slow)
    read(down)
    write(down, {"frame": -1, "carrier": {}, "clock": clock.now()})


def sink(tracer, clock, up, total):
    while True:  # the last frame is lost before the sink: received, never traced
        frame, _, ctx = receive(up, clock, tracer, hop1=False, traced=lambda f: f < total - 1)
        if frame < 0:
            break
        if ctx is not None:
            process(tracer, clock, "Sink.process", frame, ctx, hop1=False)


def stage(role, socks, total):
    provider, tracer = tracing(role)
    clock = Clock(role)
    if role == "source":
        source(tracer, clock, socks[0], total)
    elif role == "work":
        work(tracer, clock, socks[0], socks[1])
    else:
        sink(tracer, clock, socks[0], total)
    provider.force_flush()
    provider.shutdown()


def run(frames, warmup):
    counter = Path(".otel-rounds")  # in the side's worktree: one count per side
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    os.environ.update(OTEL_ROUND=str(n), OTEL_T0=str(time.time_ns()))
    total = warmup + frames + 2  # one frame beyond the count, one that never reaches the sink
    tracing("parent")  # import the SDK once; each process forked below builds its own provider
    a, b = socket.socketpair()
    c, d = socket.socketpair()
    pids = []
    for role, socks in [("source", [a]), ("work", [b, c]), ("sink", [d])]:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                for s in {a, b, c, d} - set(socks):
                    s.close()
                stage(role, socks, total)
                status = 0
            finally:
                os._exit(status)
        pids.append(pid)
    for s in (a, b, c, d):
        s.close()
    return max(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids)


def main():
    parser = argparse.ArgumentParser(prog="pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    run_args = sub.add_parser("run")
    for name in ("--scenario", "--output"):
        run_args.add_argument(name, required=True)
    for name in ("--frames", "--warmup"):
        run_args.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    if args.command == "list":
        print(json.dumps([{"name": "pipe", "label": "source > work > sink, traced"}]))
        return 0
    return run(args.frames, args.warmup)


if __name__ == "__main__":
    sys.exit(main())
