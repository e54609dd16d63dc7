"""Spans to a results@1 document: one root span per frame, its children the stages.

- A *frame* is a root span: one without a parent. Frames are ordered by start time.
- Warm-up: roots whose attribute ``perf_waterfall.warmup`` is true are dropped; when
  no root carries that attribute, the first ``warmup`` roots are. Then exactly
  ``frames`` must remain: fewer means spans were lost (an exporter not flushed before
  the harness exited), more that something else was traced as a root.
- The root's children, by start time, are the top-level stages; their children,
  recursively, sub-stages, named by the path of their parents. A name repeated among
  siblings gets a counter (``mq.send``, ``mq.send (2)``), as the renderer shows it.
- A stage's time is its span's duration. Every frame's layout is merged in the order
  first seen; a stage a frame lacks is 0 there, as the kit does.
- A child must lie inside its parent; a span must not end before it starts; a span
  whose parent never arrived (its trace's root lost) is refused.

The document then goes through ``protocol.document.parse_results`` like any other.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.decode import Span
from perfwaterfall.protocol.document import SCHEMA_V1, unique_name
from perfwaterfall.protocol.sanitize import shown

WARMUP_ATTRIBUTE = "perf_waterfall.warmup"
# A name containing one of these (any case) is an ipc stage unless the table says otherwise.
IPC_WORDS = ("send", "recv", "receive", "serialize", "encode", "decode", "zmq", "mq", "ipc", "hop")
# Deeper than this is a cycle or a mistake, not a pipeline.
MAX_DEPTH = 32

Path = tuple[str, ...]


def span_kind(name: str, rules: Sequence[tuple[str, str]]) -> str:
    """The stage kind of a span name: the first matching pattern of the table, else the default."""
    for pattern, kind in rules:
        if fnmatch.fnmatchcase(name, pattern):
            return kind
    lowered = name.lower()
    return "ipc" if any(word in lowered for word in IPC_WORDS) else "filter"


def spans_to_document(
    spans: Sequence[Span],
    *,
    scenario: str,
    frames: int,
    warmup: int,
    kinds: Sequence[tuple[str, str]] = (),
    where: str = "spans",
) -> dict[str, Any]:
    """The results document the spans of one round describe (module docstring)."""
    by_id = _index(spans, where)
    children: dict[str, list[Span]] = defaultdict(list)
    roots: list[Span] = []
    for span in by_id.values():
        if not span.parent_id:
            roots.append(span)
        elif span.parent_id in by_id:
            children[span.parent_id].append(span)
        else:
            raise _orphan(span, by_id, where)
    _check_reachable(roots, children, len(by_id), where)
    measured = _measured_roots(roots, frames=frames, warmup=warmup, where=where)
    layout: dict[Path, None] = {}  # every stage's path, in the order first seen
    per_frame = [_frame_times(root, children, layout, where) for root in measured]
    top = [p for p in layout if len(p) == 1]
    nested = [p for p in layout if len(p) > 1]
    if not top:
        raise InvalidDocument(f"{where}: the frames' root spans have no child spans (no stages)")
    doc: dict[str, Any] = {
        "schema": SCHEMA_V1,
        "scenario": {"name": scenario},
        "stages": [{"name": p[0], "kind": span_kind(_base(p[0]), kinds)} for p in top],
        "samples_ms": [[times.get(p, 0.0) for p in top] for times in per_frame],
        "meta": {"source": "spans", "spans": len(by_id), "frames": frames, "warmup": warmup},
    }
    if nested:
        doc["substages"] = [
            {"name": p[-1], "kind": span_kind(_base(p[-1]), kinds), "parent": list(p[:-1])}
            for p in nested
        ]
        doc["substage_samples_ms"] = [[times.get(p, 0.0) for p in nested] for times in per_frame]
    return doc


def _index(spans: Sequence[Span], where: str) -> dict[str, Span]:
    by_id: dict[str, Span] = {}
    for span in spans:
        name = shown(span.name)
        if not span.span_id or not span.trace_id:
            raise InvalidDocument(f"{where}: span {name!r} has no trace id or span id")
        if not span.name:
            raise InvalidDocument(f"{where}: a span has no name (span id {span.span_id})")
        if span.start_ns <= 0:
            raise InvalidDocument(f"{where}: span {name!r} has no start time")
        if span.end_ns < span.start_ns:
            raise InvalidDocument(f"{where}: span {name!r} ends before it starts")
        if span.span_id in by_id:
            raise InvalidDocument(f"{where}: span id {span.span_id} arrived twice")
        by_id[span.span_id] = span
    return by_id


def _check_reachable(
    roots: list[Span], children: dict[str, list[Span]], total: int, where: str
) -> None:
    """Spans whose parents lead round in a circle reach no root: refused, not dropped."""
    reached, stack = 0, list(roots)
    while stack:
        span = stack.pop()
        reached += 1
        stack.extend(children.get(span.span_id, ()))
    if reached != total:
        raise InvalidDocument(f"{where}: {total - reached} spans are their own ancestors (a cycle)")


def _orphan(span: Span, by_id: dict[str, Span], where: str) -> InvalidDocument:
    has_root = any(s.trace_id == span.trace_id and not s.parent_id for s in by_id.values())
    if not has_root:
        return InvalidDocument(
            f"{where}: a frame without a root: trace {span.trace_id} has no root span "
            f"(span {shown(span.name)!r} names a parent that never arrived)"
        )
    return InvalidDocument(
        f"{where}: span {shown(span.name)!r} names a parent ({span.parent_id}) that never arrived"
    )


def _measured_roots(roots: list[Span], *, frames: int, warmup: int, where: str) -> list[Span]:
    roots.sort(key=lambda s: (s.start_ns, s.end_ns))
    if any(WARMUP_ATTRIBUTE in r.attributes for r in roots):
        kept = [r for r in roots if r.attributes.get(WARMUP_ATTRIBUTE) is not True]
        how = f"not marked {WARMUP_ATTRIBUTE}"
    else:
        kept = roots[warmup:]
        how = f"after the first {warmup} (warm-up)"
    if len(kept) != frames:
        lost = " (spans lost: did the harness flush its exporter before it exited?)"
        raise InvalidDocument(
            f"{where}: expected {frames} frames, got {len(kept)} root spans {how} "
            f"of {len(roots)} received{lost if len(kept) < frames else ''}"
        )
    return kept


def _frame_times(
    root: Span, children: dict[str, list[Span]], layout: dict[Path, None], where: str
) -> dict[Path, float]:
    """One frame's stage durations (ms) by path; new paths join the layout in order."""
    times: dict[Path, float] = {}
    stack: list[tuple[Span, Path]] = [(root, ())]
    while stack:
        parent, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise InvalidDocument(f"{where}: spans nested more than {MAX_DEPTH} levels deep")
        kids = sorted(children.get(parent.span_id, ()), key=lambda s: (s.start_ns, s.end_ns))
        taken: set[str] = set()
        counters: dict[str, int] = {}
        named: list[tuple[Span, Path]] = []
        for kid in kids:
            _check_inside(kid, parent, where)
            kid_path = (*path, unique_name(shown(kid.name), taken, counters))
            layout.setdefault(kid_path)
            times[kid_path] = (kid.end_ns - kid.start_ns) / 1e6
            named.append((kid, kid_path))
        stack.extend(reversed(named))
    return times


def _check_inside(child: Span, parent: Span, where: str) -> None:
    if child.start_ns < parent.start_ns or child.end_ns > parent.end_ns:
        edge = "starts before" if child.start_ns < parent.start_ns else "ends after"
        raise InvalidDocument(
            f"{where}: span {shown(child.name)!r} {edge} its parent {shown(parent.name)!r}"
        )


def _base(name: str) -> str:
    """A name without the counter a repeat was given, for the kind table."""
    head, sep, tail = name.rpartition(" (")
    return head if sep and tail.endswith(")") and tail[:-1].isdigit() else name
