"""Stage names: one per stage across a side, and one way to show them in a message."""

from __future__ import annotations

from perfwaterfall.protocol.document import RoundResult


def stage_names(result: RoundResult) -> str:
    """The stages of a round as one-line messages show them: ``'VideoIn', 'hop 1' (ipc)``;
    sub-stages by their path: ``'hop 1' > 'send' (ipc)``."""
    return ", ".join(
        path_text(s.path) if s.kind == "filter" else f"{path_text(s.path)} ({s.kind})"
        for s in (*result.stages, *result.substages)
    )


def unique_name(name: str, taken: set[str], counters: dict[str, int]) -> str:
    """Stages are matched across sides by name: a repeated name gets a counter.

    ``counters`` keeps each name's last counter (every ``name (k)`` below it is
    taken), so a million copies of one name take linear time, not hours. Names are
    counted once shown: ``a<ESC>`` and a literal ``a\\x1b`` look alike, so the
    second becomes ``a\\x1b (2)`` instead of silently being the same stage.
    """
    candidate, n = name, counters.get(name, 1)
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    counters[name] = n
    taken.add(candidate)
    return candidate


def path_text(path: tuple[str, ...]) -> str:
    """A stage's path as messages show it: ``'hop 1' > 'send'``."""
    return " > ".join(repr(p) for p in path)
