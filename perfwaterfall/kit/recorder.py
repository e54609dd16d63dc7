"""The kit's timers: per-frame stage times, cheap enough to wrap calls of a few microseconds.

A span is a reusable object cached per stage name, so entering one allocates
nothing; times are integer nanoseconds from ``perf_counter_ns`` until the
document is written. Standard library only: a harness must start fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from time import perf_counter_ns
from types import TracebackType
from typing import Any

from perfwaterfall.protocol.document import STAGE_KINDS


class KitError(Exception):
    """The recorder was used in a way that cannot give a valid results document."""


class Span:
    """``with rec.stage(...)``: adds the time spent inside to its stage in the current frame.

    A span made while another is open is a sub-stage of it (``SubSpan``); it must be
    entered inside that same parent, which costs one identity check, as before.
    """

    __slots__ = ("_children", "_col", "_parent", "_rec", "_t0", "kind", "name", "path")

    def __init__(self, rec: Recorder, col: int, name: str, kind: str, parent: Span | None) -> None:
        self._rec, self._col, self.name, self.kind = rec, col, name, kind
        self._parent = parent
        self._children: dict[str, Span] = {}
        self.path: tuple[str, ...] = (*parent.path, name) if parent is not None else (name,)
        self._t0 = 0

    def __enter__(self) -> Span:
        rec = self._rec
        if rec._open is not self._parent or rec._row is None:
            rec._refuse_enter(self)
        rec._open = self
        self._t0 = perf_counter_ns()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed = perf_counter_ns() - self._t0
        rec = self._rec
        rec._open = self._parent
        rec._row[self._col] += elapsed  # type: ignore[index]  # __enter__ checked it


class SubSpan(Span):
    """A part of another stage's time: its own column of ``substage_samples_ms``."""

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed = perf_counter_ns() - self._t0
        rec = self._rec
        rec._open = self._parent
        rec._subrow[self._col] += elapsed


class Recorder:
    """What a scenario function gets: ``frames()`` to loop over, ``stage``/``hop`` to time.

    Every stage opened in any frame is a column of the document, in the order first
    seen; a frame that skipped a stage reports 0 for it, and a stage entered twice in
    one frame reports the sum. A stage opened inside another is a sub-stage of it: a
    part of its time, written to ``substages`` and never added to the frame time.
    """

    def __init__(self, frames: int, warmup: int = 0, params: dict[str, Any] | None = None):
        if frames < 1 or warmup < 0:
            raise KitError(f"frames must be >= 1 and warmup >= 0, got {frames} and {warmup}")
        self.frame_count = frames
        self.warmup = warmup
        self.params: dict[str, Any] = dict(params or {})
        self.meta: dict[str, Any] = {}  # free-form, written to the document's meta
        self._spans: dict[str, Span] = {}  # the top level; sub-stages hang off their parent
        self._order: list[Span] = []
        self._sub_order: list[Span] = []
        self._hop_names: list[str] = []
        self._hops = 0
        self._row: list[int] | None = None  # the current frame, None outside frames()
        self._subrow: list[int] = []
        self._rows: list[list[int]] = []
        self._subrows: list[list[int]] = []
        self._open: Span | None = None  # the innermost open span
        self._started = False
        self._index = 0

    def frames(self) -> Iterator[int]:
        """Yield 0 .. warmup+frames-1; frames before ``warmup`` run but are not recorded."""
        if self._started:
            raise KitError("frames() runs once per round")
        self._started = True
        for i in range(self.warmup + self.frame_count):
            self._index = i
            self._row = [0] * len(self._order)
            self._subrow = [0] * len(self._sub_order)
            self._hops = 0
            yield i
            if self._open is not None:
                raise KitError(f"stage {_path(self._open)} is still open at the end of a frame")
            if i >= self.warmup:
                self._rows.append(self._row)
                self._subrows.append(self._subrow)
        self._row = None

    @property
    def warming_up(self) -> bool:
        """True during the warm-up frames, whose times are thrown away."""
        return self._row is not None and self._index < self.warmup

    def stage(self, name: str, kind: str | None = None) -> Span:
        """A timer for ``name``: ``filter`` (work), ``ipc`` (moving a frame) or ``other``.

        Made inside an open stage, it is a sub-stage of that stage, of the same kind
        unless told; enter it inside that stage (``with rec.stage("hop 1"): with
        rec.stage("serialize"): ...``). Names are unique among siblings.
        """
        parent = self._open
        if parent is None:
            return self._lookup(self._spans, name, kind or "filter", None)
        return self._lookup(parent._children, name, kind or parent.kind, parent)

    def hop(self, name: str | None = None) -> Span:
        """An ``ipc`` timer; unnamed hops are "hop 1", "hop 2", ... in the order of a frame."""
        if name is None:
            if self._open is not None:
                raise KitError(f"a hop inside {_path(self._open)} needs a name: rec.hop('send')")
            n = self._hops
            self._hops = n + 1
            names = self._hop_names
            if n == len(names):
                names.append(f"hop {n + 1}")
            name = names[n]
        return self.stage(name, "ipc")

    def add(self, name: str, ms: float, kind: str = "filter") -> None:
        """Add ``ms`` measured elsewhere (another process's clock) to a top-level stage of this
        frame, whether or not a stage is open."""
        if not isinstance(ms, int | float) or not math.isfinite(ms) or ms < 0:
            raise KitError(f"stage {name!r}: {ms!r} is not a finite number of ms >= 0")
        span = self._lookup(self._spans, name, kind, None)
        if self._row is None:
            raise KitError("add() belongs inside `for _ in rec.frames():`")
        self._row[span._col] += round(ms * 1e6)

    @property
    def recorded(self) -> int:
        """Measured frames so far (warm-up frames are not counted)."""
        return len(self._rows)

    def stages(self) -> list[dict[str, str]]:
        return [{"name": s.name, "kind": s.kind} for s in self._order]

    def samples_ms(self) -> list[list[float]]:
        """One row per measured frame, as wide as ``stages()``, in milliseconds."""
        return _ms(self._rows, len(self._order))

    def substages(self) -> list[dict[str, Any]]:
        """Stages opened inside others, parents first, each with its parent's path."""
        return [
            {"name": s.name, "kind": s.kind, "parent": list(s.path[:-1])} for s in self._sub_order
        ]

    def substage_samples_ms(self) -> list[list[float]]:
        """One row per measured frame, as wide as ``substages()``, in milliseconds."""
        return _ms(self._subrows, len(self._sub_order))

    def _lookup(self, table: dict[str, Span], name: str, kind: str, parent: Span | None) -> Span:
        span = table.get(name)
        if span is None:
            return self._new_span(table, name, kind, parent)
        if span.kind != kind:
            raise KitError(f"stage {_path(span)} is {span.kind!r}; it cannot also be {kind!r}")
        return span

    def _new_span(self, table: dict[str, Span], name: str, kind: str, parent: Span | None) -> Span:
        if not isinstance(name, str) or not name:
            raise KitError(f"a stage name must be a non-empty string, got {name!r}")
        if kind not in STAGE_KINDS:
            raise KitError(f"stage {name!r}: kind {kind!r} is not one of {', '.join(STAGE_KINDS)}")
        span: Span
        if parent is None:
            span = Span(self, len(self._order), name, kind, None)
            self._order.append(span)
            if self._row is not None:
                self._row.append(0)
        else:
            span = SubSpan(self, len(self._sub_order), name, kind, parent)
            self._sub_order.append(span)
            if self._row is not None:
                self._subrow.append(0)
        table[name] = span
        return span

    def _refuse_enter(self, span: Span) -> None:
        if self._row is None:
            raise KitError(f"stage {_path(span)} is timed outside `for _ in rec.frames():`")
        inside = "no stage" if self._open is None else _path(self._open)
        made = "the top level" if span._parent is None else _path(span._parent)
        raise KitError(
            f"stage {_path(span)} was entered inside {inside} but made at {made}: "
            "call rec.stage() where the stage is entered"
        )


def _path(span: Span) -> str:
    return " > ".join(repr(p) for p in span.path)


def _ms(rows: list[list[int]], width: int) -> list[list[float]]:
    """Nanosecond rows as milliseconds, padded to ``width`` (stages first seen later)."""
    return [[ns / 1e6 for ns in row] + [0.0] * (width - len(row)) for row in rows]
