"""Markdown text that stays where it is put: escaped cells and fences that cannot close early."""

from __future__ import annotations

import re

# Characters that would end a table cell or start markdown/HTML inside one.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def escape(text: str) -> str:
    """Text that stays inside its table cell and renders literally."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fence(body: str, info: str = "text") -> str:
    """A fenced block whose fence is longer than any backtick run in the body."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{body.rstrip()}\n{ticks}"
