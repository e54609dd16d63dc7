"""Which scenarios ``-s`` chose: names or shell-style patterns, as pytest's -k and asv's -b.

A pattern that matches nothing is a typo, not an empty run: it is refused, naming
what the harness does list.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from perfwaterfall.errors import UsageError

GLOB_CHARACTERS = frozenset("*?[")


def is_pattern(text: str) -> bool:
    return any(c in GLOB_CHARACTERS for c in text)


def matches(pattern: str, name: str) -> bool:
    """A name is itself; a pattern matches as in the shell (case-sensitive)."""
    return fnmatchcase(name, pattern) if is_pattern(pattern) else name == pattern


def select(wanted: Sequence[str], listed: Sequence[str], where: str) -> list[str]:
    """The listed names the patterns match, in the order the patterns were given, each once."""
    chosen: dict[str, None] = {}
    for pattern in wanted:
        found = [name for name in listed if matches(pattern, name)]
        if not found:
            said = (
                f"no scenario matches {pattern!r}"
                if is_pattern(pattern)
                else f"unknown scenario {pattern!r}"
            )
            valid = ", ".join(listed) or "none"
            raise UsageError(f"{said} at {where}; the harness lists: {valid}")
        chosen.update(dict.fromkeys(found))
    return list(chosen)
