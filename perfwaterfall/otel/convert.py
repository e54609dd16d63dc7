"""Spans to a results@1 document: frames assembled, imperfect rounds tolerated.

- Frames come from ``assemble.py`` (traces, continuations, links, a frame key) and
  their times from ``layout.py`` (stages, parts, ``(self)``), ordered by start time.
- Warm-up: frames with a span marked ``perf_waterfall.warmup`` true are dropped;
  when no span carries that attribute, the first ``warmup`` frames are.
- A frame is *complete* when nothing in it was lost (no span whose parent never
  arrived) and it has stages; a frame assembled from pieces must also have every
  stage the fullest frames have (a frame that never reached the sink has not).
- The first ``frames`` complete frames are measured; incomplete frames, lone spans
  (retries) and complete frames beyond the count are dropped and counted in ``meta``.
  Fewer complete frames than asked fail the round, naming what arrived; so do more
  incomplete frames than complete ones (the pieces of a frame were not joined: a
  runtime that starts a trace per hop needs a frame key).
- Every frame's layout is merged in the order first seen; a stage a frame lacks is 0.

The document then goes through ``protocol.parsing.parse_results`` like any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.assemble import Assembled, Frame, assemble
from perfwaterfall.otel.assemble import span_kind as span_kind
from perfwaterfall.otel.decode import Span
from perfwaterfall.otel.layout import FrameTimes, Path, frame_times
from perfwaterfall.otel.machine_facts import machine_facts
from perfwaterfall.protocol.document import SCHEMA_V1
from perfwaterfall.protocol.sanitize import shown

WARMUP_ATTRIBUTE = "perf_waterfall.warmup"
DEFAULT_FRAME_KEY = "frame.id"
Laid = tuple[Frame, FrameTimes]


def spans_to_document(
    spans: Sequence[Span],
    *,
    scenario: str,
    frames: int,
    warmup: int,
    kinds: Sequence[tuple[str, str]] = (),
    frame_key: str = DEFAULT_FRAME_KEY,
    where: str = "spans",
) -> dict[str, Any]:
    """The results document the spans of one round describe (module docstring)."""
    found = assemble(spans, rules=kinds, frame_key=frame_key, where=where)
    laid = [(f, frame_times(f, found.parts, kinds, where)) for f in found.frames]
    marked = any(WARMUP_ATTRIBUTE in p.head.attributes for f in found.frames for p in f.pieces)
    if marked:
        after = [(f, t) for f, t in laid if not _warm(f)]
        how = f"not marked {WARMUP_ATTRIBUTE}"
    else:
        after = laid[warmup:]
        how = f"after the first {warmup} (warm-up)"
    fullest = _fullest(laid)
    complete = [(f, t) for f, t in after if not _problem(f, t, fullest, found.rooted)]
    if len(complete) < frames or len(after) - len(complete) > len(complete):
        raise InvalidDocument(_refusal(found, laid, after, complete, frames, how, fullest, where))
    measured = [t for _, t in complete[:frames]]
    layout: dict[Path, str] = {}  # every path's kind, in the order first seen
    for times in measured:
        for path, kind in times.kinds.items():
            layout.setdefault(path, kind)
    top = [p for p in layout if len(p) == 1]
    nested = [p for p in layout if len(p) > 1]
    doc: dict[str, Any] = {
        "schema": SCHEMA_V1,
        "scenario": {"name": scenario},
        "stages": [{"name": p[0], "kind": layout[p]} for p in top],
        "samples_ms": [[t.times.get(p, 0.0) for p in top] for t in measured],
        "meta": {
            "source": "spans",
            "spans": found.spans,
            "frames": frames,
            "warmup": warmup,
            "dropped": {
                "incomplete_frames": len(after) - len(complete),
                "frames_beyond_count": len(complete) - frames,
                "lone_spans": found.lone,
            },
            **machine_facts(spans),
        },
    }
    if nested:
        doc["substages"] = [
            {"name": p[-1], "kind": layout[p], "parent": list(p[:-1])} for p in nested
        ]
        doc["substage_samples_ms"] = [[t.times.get(p, 0.0) for p in nested] for t in measured]
    return doc


def _warm(frame: Frame) -> bool:
    return any(p.head.attributes.get(WARMUP_ATTRIBUTE) is True for p in frame.pieces)


def _fullest(laid: list[Laid]) -> tuple[str, ...]:
    """The stages of the fullest assembled frames (the most stages, then the most often)."""
    shapes = Counter(t.stages for f, t in laid if not t.simple and f.lost is None)
    if not shapes:
        return ()
    return max(shapes, key=lambda s: (len(s), shapes[s]))


def _problem(frame: Frame, times: FrameTimes, fullest: tuple[str, ...], rooted: set[str]) -> str:
    """Why a frame is incomplete, or "" when it is complete."""
    if frame.lost is not None:
        span = frame.lost
        if span.trace_id not in rooted:
            return (
                f"a frame without a root: trace {span.trace_id} has no root span "
                f"(span {shown(span.name)!r} names a parent that never arrived)"
            )
        return f"span {shown(span.name)!r} names a parent ({span.parent_id}) that never arrived"
    if not times.stages:
        return f"span {shown(frame.pieces[0].head.name)!r} has no child spans (no stages)"
    if not times.simple and times.stages != fullest:
        return f"has stages {_names(times.stages)}, not {_names(fullest)}"
    return ""


def _refusal(
    found: Assembled,
    laid: list[Laid],
    after: list[Laid],
    complete: list[Laid],
    frames: int,
    how: str,
    fullest: tuple[str, ...],
    where: str,
) -> str:
    """One line: what was asked, what arrived, and the first frame that fell short."""
    incomplete = [(f, t) for f, t in laid if _problem(f, t, fullest, found.rooted)]
    roots = ", ".join(f"{name} x{n}" for name, n in found.roots.most_common(4))
    more = ", ..." if len(found.roots) > 4 else ""
    text = (
        f"{where}: expected {frames} frames, got {len(complete)} complete frames {how} "
        f"of {len(laid)} assembled ({len(laid) - len(incomplete)} complete, "
        f"{len(incomplete)} incomplete) from {found.spans} spans, "
        f"{found.roots.total()} roots ({roots}{more})"
    )
    if found.lone:
        text += f", {found.lone} lone spans dropped (retries with no children)"
    if incomplete:
        frame, times = incomplete[0]
        key = "" if frame.key is None else f" ({shown(str(frame.key))[:40]})"
        text += f"; first incomplete frame{key}: {_problem(frame, times, fullest, found.rooted)}"
    if len(after) < frames:
        text += " (spans lost: did the harness flush its exporter before it exited?)"
    elif len(complete) >= frames:  # enough, but most frames fell apart: not a frame at all
        text += (
            "; most frames are incomplete: are the spans of one frame in several traces? "
            "Give them a frame key attribute (frame-key in [tool.perf-waterfall])"
        )
    return text


def _names(stages: tuple[str, ...]) -> str:
    shown_names = ", ".join(repr(s) for s in stages[:8])
    return shown_names + (", ..." if len(stages) > 8 else "") if stages else "none"
