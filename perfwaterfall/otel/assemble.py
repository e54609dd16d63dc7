"""Spans into frames, as real runtimes trace them (docs/harness-protocol.md, "Spans").

One frame is often several traces: a runtime that sends each hop under an empty
context starts a trace per hop, and a consumer's spans hang off the producer's
context however long after it they run (OpenTelemetry's messaging conventions allow
both). So spans are not read as one tree per frame but assembled:

- A child *continues* its parent (it is a later stage, not a part of it) when it
  says it consumes (span kind CONSUMER, or ``messaging.operation(.type)`` receive or
  process), or when it lies outside its parent's interval. Every other child is a
  *part* of its parent.
- A *piece* is a span with its parts: a root, a span whose parent never arrived, or
  a continuation. A root that links to a span it continues is a continuation too.
- Pieces are one frame when one continues another, when a span links to another's,
  or when they carry the same frame key attribute (``frame-key``).
- A receive continuing a producer piece joins it: one hop, send start to receive end.
- A childless transport root that nothing continues (a handshake retried) is *lone*:
  dropped and counted, never a frame.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.decode import KIND_CONSUMER, KIND_PRODUCER, Span
from perfwaterfall.protocol.sanitize import shown

# A name containing one of these (any case) is an ipc stage unless the table says otherwise.
IPC_WORDS = ("send", "recv", "receive", "serialize", "encode", "decode", "zmq", "mq", "ipc", "hop")
# The messaging conventions' operation attribute, current name first.
OPERATION_KEYS = ("messaging.operation.type", "messaging.operation")
CONSUMING = ("receive", "process", "deliver")
PRODUCING = ("send", "publish", "create")

Rules = Sequence[tuple[str, str]]


def table_kind(name: str, rules: Rules) -> str | None:
    """The kind the first matching ``span-kinds`` pattern gives, if any."""
    for pattern, kind in rules:
        if fnmatch.fnmatchcase(name, pattern):
            return kind
    return None


def span_kind(name: str, rules: Rules) -> str:
    """The stage kind of a span name: the first matching pattern of the table, else the default."""
    kind = table_kind(name, rules)
    if kind is not None:
        return kind
    lowered = name.lower()
    return "ipc" if any(word in lowered for word in IPC_WORDS) else "filter"


@dataclass
class Piece:
    """A span with its parts; a producer's piece also holds the receives continuing it."""

    head: Span
    upstream: Span | None  # the span it continues, None for a root
    receives: list[Span] = field(default_factory=list)

    @property
    def start_ns(self) -> int:
        return self.head.start_ns

    @property
    def end_ns(self) -> int:
        return max([self.head.end_ns, *(r.end_ns for r in self.receives)])


@dataclass
class Frame:
    """The pieces of one frame, by start time; ``lost``: a span whose parent never arrived."""

    pieces: list[Piece]
    lost: Span | None
    key: Any

    @property
    def start_ns(self) -> int:
        return self.pieces[0].start_ns


@dataclass
class Assembled:
    frames: list[Frame]  # by start time
    parts: dict[str, list[Span]]  # span id -> the children that are its parts, by start
    roots: Counter[str]  # the names of spans without a parent, lone ones included
    lone: int
    spans: int
    rooted: set[str]  # the traces that have a root span


def assemble(spans: Sequence[Span], *, rules: Rules, frame_key: str, where: str) -> Assembled:
    """The frames the spans of one round make (module docstring)."""
    by_id = _index(spans, where)
    parts: dict[str, list[Span]] = {}
    pieces: dict[str, Piece] = {}
    for span in sorted(by_id.values(), key=lambda s: (s.start_ns, s.end_ns)):
        parent = by_id.get(span.parent_id) if span.parent_id else None
        if parent is not None and not continues(span, parent, rules):
            parts.setdefault(parent.span_id, []).append(span)
        else:
            linked = next((by_id[s] for _, s in span.links if s in by_id), None)
            pieces[span.span_id] = Piece(span, parent or linked)
    head_of = _heads(pieces, parts, len(by_id), where)
    continued = {p.upstream.span_id for p in pieces.values() if p.upstream is not None}
    continued |= {s for span in by_id.values() for _, s in span.links}
    lone = [
        p.head.span_id
        for p in pieces.values()
        if not p.head.parent_id
        and p.upstream is None
        and p.head.span_id not in parts
        and p.head.span_id not in continued
        and _transport(p.head, rules)
    ]
    for span_id in lone:
        del pieces[span_id]
    frames = _frames(pieces, by_id, head_of, frame_key, rules)
    roots = Counter(shown(s.name) for s in by_id.values() if not s.parent_id)
    rooted = {s.trace_id for s in by_id.values() if not s.parent_id}
    return Assembled(frames, parts, roots, lone=len(lone), spans=len(by_id), rooted=rooted)


def continues(child: Span, parent: Span, rules: Rules) -> bool:
    """Whether ``child`` is a later stage of the frame rather than a part of ``parent``."""
    if child.kind == KIND_CONSUMER or _operation(child) in CONSUMING:
        return True
    return child.start_ns < parent.start_ns or child.end_ns > parent.end_ns


def is_receive(span: Span, rules: Rules) -> bool:
    """A consumer's receive (the end of a hop), not its processing (the next stage)."""
    operation = _operation(span)
    if operation:
        return operation == "receive"
    return span_kind(shown(span.name), rules) == "ipc"


def _hop(producer: Span, consumer: Span, rules: Rules) -> bool:
    """A producer piece and the receive continuing it are one hop."""
    return _transport(producer, rules) and is_receive(consumer, rules)


def _transport(span: Span, rules: Rules) -> bool:
    return (
        span.kind == KIND_PRODUCER
        or _operation(span) in PRODUCING
        or span_kind(shown(span.name), rules) == "ipc"
    )


def _operation(span: Span) -> str:
    for key in OPERATION_KEYS:
        value = span.attributes.get(key)
        if isinstance(value, str):
            return value.lower()
    return ""


def _heads(
    pieces: dict[str, Piece], parts: dict[str, list[Span]], total: int, where: str
) -> dict[str, str]:
    """Every span's piece (span id -> head id); spans no piece reaches are a cycle."""
    head_of: dict[str, str] = {}
    for head_id, piece in pieces.items():
        stack = [piece.head]
        while stack:
            span = stack.pop()
            head_of[span.span_id] = head_id
            stack.extend(parts.get(span.span_id, ()))
    if len(head_of) != total:
        raise InvalidDocument(
            f"{where}: {total - len(head_of)} spans are their own ancestors (a cycle)"
        )
    return head_of


def _frames(
    pieces: dict[str, Piece],
    by_id: dict[str, Span],
    head_of: dict[str, str],
    frame_key: str,
    rules: Rules,
) -> list[Frame]:
    """Pieces joined by continuation, links and frame key; receives merged into their hops."""
    group = {head_id: head_id for head_id in pieces}

    def find(x: str) -> str:
        while group[x] != x:
            group[x] = group[group[x]]
            x = group[x]
        return x

    def join(a: str, b: str) -> None:
        if a in group and b in group:
            group[find(a)] = find(b)

    keys: dict[Any, str] = {}
    for piece in pieces.values():
        if piece.upstream is not None:
            join(piece.head.span_id, head_of[piece.upstream.span_id])
    for span in by_id.values():
        head = head_of[span.span_id]
        if head not in group:  # a lone span's: dropped, it joins nothing
            continue
        for _, linked in span.links:
            if linked in head_of:
                join(head, head_of[linked])
        value = span.attributes.get(frame_key) if frame_key else None
        if value is not None and not isinstance(value, bool):
            join(head, keys.setdefault((type(value), value), head))
    members: dict[str, list[Piece]] = {}
    for head_id, piece in pieces.items():  # insertion order is start order
        up = piece.upstream
        if up is not None and up.span_id in pieces and _hop(up, piece.head, rules):
            pieces[up.span_id].receives.append(piece.head)
            continue
        members.setdefault(find(head_id), []).append(piece)
    frames = [_frame(group_pieces, by_id, frame_key) for group_pieces in members.values()]
    return sorted(frames, key=lambda f: f.start_ns)


def _frame(pieces: list[Piece], by_id: dict[str, Span], frame_key: str) -> Frame:
    lost = next(
        (p.head for p in pieces if p.head.parent_id and p.head.parent_id not in by_id), None
    )
    key = next(
        (p.head.attributes[frame_key] for p in pieces if frame_key in p.head.attributes), None
    )
    return Frame(sorted(pieces, key=lambda p: (p.start_ns, p.end_ns)), lost, key)


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
