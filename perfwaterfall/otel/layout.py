"""One assembled frame's stage and part times, by path (docs/harness-protocol.md, "Spans").

- A frame that is one span tree (one root, every other span a part) keeps the
  simple shape: the root is the frame, its parts the stages.
- A frame assembled from pieces: each piece is a stage, in start order; a hop (a
  producer with the receives continuing it) lasts from the send's start to the last
  receive's end, and its parts are the producer's parts and each receive, counted
  from the producer's end (the time a receive spent waiting while the producer
  still worked is the producer's, not the receive's).
- A span with parts gets one more: ``(self)``, its time in no part (waiting, in a
  send that waits for its consumer), so waiting and work can be told apart.
- Repeated names among siblings get a counter (``mq.send``, ``mq.send (2)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.otel.assemble import Frame, Piece, Rules, span_kind, table_kind
from perfwaterfall.otel.decode import Span
from perfwaterfall.protocol.naming import unique_name
from perfwaterfall.protocol.sanitize import shown

SELF = "(self)"
# Deeper than this is a cycle or a mistake, not a pipeline.
MAX_DEPTH = 32

Path = tuple[str, ...]


@dataclass
class FrameTimes:
    """Milliseconds by path (stages and parts, parents first) and each path's kind."""

    times: dict[Path, float] = field(default_factory=dict)
    kinds: dict[Path, str] = field(default_factory=dict)
    simple: bool = False  # one span tree: the root is the frame

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(p[0] for p in self.times if len(p) == 1)


def frame_times(frame: Frame, parts: dict[str, list[Span]], rules: Rules, where: str) -> FrameTimes:
    out = FrameTimes()
    taken: set[str] = set()
    counters: dict[str, int] = {}
    (first, *rest) = frame.pieces
    if not rest and first.upstream is None and not first.receives and frame.lost is None:
        out.simple = True  # the root is the frame; its parts are the stages
        stages = [Piece(span, None) for span in parts.get(first.head.span_id, ())]
    else:
        stages = frame.pieces
    for piece in stages:
        name = unique_name(shown(piece.head.name), taken, counters)
        own = (piece.start_ns, piece.end_ns)
        kind = span_kind(_base(name), rules)
        if piece.receives:  # a hop: its producer's kind if the table names it, else ipc
            kind = table_kind(_base(name), rules) or "ipc"
        _put(out, (name,), own, kind)
        kids = [(kid, piece.start_ns) for kid in parts.get(piece.head.span_id, ())]
        kids += [(receive, piece.head.end_ns) for receive in piece.receives]
        _parts(out, kids, own, (name,), parts, rules, where)
    return out


def _parts(
    out: FrameTimes,
    kids: list[tuple[Span, int]],
    own: tuple[int, int],
    path: Path,
    parts: dict[str, list[Span]],
    rules: Rules,
    where: str,
) -> None:
    """The parts of the span at ``path`` (each counted from its lower bound), then (self),
    then each part's own parts: siblings before their descendants."""
    if not kids:
        return
    if len(path) > MAX_DEPTH:
        raise InvalidDocument(f"{where}: spans nested more than {MAX_DEPTH} levels deep")
    taken: set[str] = set()
    counters: dict[str, int] = {}
    named: list[tuple[Span, int, tuple[int, int], Path]] = []
    for kid, low in sorted(kids, key=lambda k: (max(k[0].start_ns, k[1]), k[0].end_ns)):
        kid_path = (*path, unique_name(shown(kid.name), taken, counters))
        start = max(kid.start_ns, low)
        span = (start, max(kid.end_ns, start))
        _put(out, kid_path, span, span_kind(_base(kid_path[-1]), rules))
        named.append((kid, low, span, kid_path))
    idle = own[1] - own[0] - _covered([s for _, _, s, _ in named], own)
    self_path = (*path, unique_name(SELF, taken, counters))
    out.times[self_path] = max(idle, 0) / 1e6
    out.kinds.setdefault(self_path, out.kinds[path])
    for kid, low, span, kid_path in named:
        grandkids = [(g, low) for g in parts.get(kid.span_id, ())]
        _parts(out, grandkids, span, kid_path, parts, rules, where)


def _put(out: FrameTimes, path: Path, span: tuple[int, int], kind: str) -> None:
    out.times[path] = (span[1] - span[0]) / 1e6
    out.kinds.setdefault(path, kind)


def _covered(spans: list[tuple[int, int]], own: tuple[int, int]) -> int:
    """Nanoseconds of ``own`` inside at least one of ``spans``."""
    clipped = sorted((max(a, own[0]), min(b, own[1])) for a, b in spans)
    total, reach = 0, own[0]
    for a, b in clipped:
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def _base(name: str) -> str:
    """A name without the counter a repeat was given, for the kind table."""
    head, sep, tail = name.rpartition(" (")
    return head if sep and tail.endswith(")") and tail[:-1].isdigit() else name
