"""Strings from outside, made safe to show: control and bidi characters become visible escapes.

Names, labels, commit subjects, stderr tails and every string of a bundle come from
harnesses, git or files we did not write. Shown raw, ``ESC ] 0 ;`` retitles the
terminal, ``ESC [ 2 J`` clears it and U+202E makes a name read backwards, in every
output (terminal, markdown, HTML, SVG, JSON). They are escaped once, where such
strings are read, so every renderer only ever displays them. The escapes are
``\\xHH`` below U+0100 and ``\\uHHHH`` above, as Python's ``repr`` spells them.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

# C0, DEL, C1; the bidi marks, embeddings, overrides and isolates (U+061C, U+200E/F,
# U+202A-E, U+2066-9); the line and paragraph separators (line breaks to browsers and
# some terminals); lone surrogates (JSON allows them, no UTF-8 output can encode one).
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_BREAK = re.compile("\r\n|\r|\n")
# Free-form values (params, meta, extra) nested deeper than this are a mistake, not data.
MAX_DEPTH = 32


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` with every unsafe character replaced by its visible escape."""
    return UNSAFE.sub(_escape, text)


def shown_lines(text: str) -> str:
    """As ``shown``, but line breaks stay: a stderr tail. ``\\r`` ends a line as ``\\n``
    does (a progress bar's updates become lines); every other break is escaped."""
    return "\n".join(shown(line) for line in _LINE_BREAK.split(text))


def shown_tree(value: Any, depth: int = 0) -> Any:
    """A decoded JSON value with every string, keys included, shown.

    Raises ValueError for a number no float can hold (a 400-digit integer, inf,
    NaN), for two keys that become one once shown, and for nesting beyond reason.
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        finite_number(value)
        return value
    if isinstance(value, list):
        return [shown_tree(v, depth + 1) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, v in value.items():
            name = shown(str(key))
            if name in out:
                raise ValueError(f"key {name!r} appears twice once control characters are shown")
            out[name] = shown_tree(v, depth + 1)
        return out
    raise ValueError(f"{type(value).__name__} is not a JSON value")


def finite_number(value: int | float) -> float:
    """``value`` as a finite float, or ValueError (an int past 1.8e308 overflows, inf, NaN)."""
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        raise ValueError(f"{number_text(value)} is beyond what a float can hold")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def number_text(value: Any) -> str:
    """A value for a message; a huge integer by its size, as 400 digits help nobody."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**20:
        return f"an integer of {math.floor(math.log10(abs(value))) + 1} digits"
    return repr(value)
