"""Spans built by hand for the converter's tests: times in ms after a fixed epoch."""

from __future__ import annotations

import itertools
from typing import Any

from perfwaterfall.otel.decode import Span

MS = 1_000_000
T0 = 1_700_000_000 * 10**9
_ids = itertools.count(1)


def span(
    name: str,
    start_ms: float,
    end_ms: float,
    parent: Span | None = None,
    trace: str = "t1",
    *,
    kind: int = 0,
    links: tuple[Span, ...] = (),
    resource: dict[str, Any] | None = None,
    **attributes: Any,
) -> Span:
    """A span ``name`` from ``start_ms`` to ``end_ms``, under ``parent`` (its trace), linking
    to ``links``; ``attributes`` with dots spelled as double underscores (``frame__id``)."""
    return Span(
        trace_id=parent.trace_id if parent else trace,
        span_id=f"{next(_ids):016x}",
        parent_id=parent.span_id if parent else "",
        name=name,
        start_ns=T0 + int(start_ms * MS),
        end_ns=T0 + int(end_ms * MS),
        attributes={k.replace("__", "."): v for k, v in attributes.items()},
        kind=kind,
        links=tuple((s.trace_id, s.span_id) for s in links),
        resource=resource if resource is not None else {},
    )
