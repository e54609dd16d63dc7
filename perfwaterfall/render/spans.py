"""A begin/end span with eighth-of-a-cell precision, after rich/bar.py.

rich's Bar is a renderable of its own; a waterfall row needs the span as Text
to compose with ticks and annotations, and a stage too short for one eighth of
a cell still needs a visible sliver, so it is drawn here.
"""

from __future__ import annotations

import math

from rich.bar import BEGIN_BLOCK_ELEMENTS, END_BLOCK_ELEMENTS, FULL_BLOCK
from rich.text import Text


def span(begin: float, end: float, size: float, width: int, style: str) -> Text:
    """``width`` cells showing [begin, end) of a [0, size) axis, to an eighth of a cell."""
    if size <= 0 or width <= 0 or end <= begin:
        return Text(" " * max(width, 0), no_wrap=True, overflow="crop")
    b8 = min(int(width * 8 * begin / size), width * 8 - 1)
    e8 = max(min(int(width * 8 * end / size), width * 8), b8 + 1)  # at least a sliver
    first, last = b8 // 8, math.ceil(e8 / 8)
    cells = [" "] * width
    for i in range(first, last):
        lo, hi = max(b8 - 8 * i, 0), min(e8 - 8 * i, 8)
        if lo == 0:
            cells[i] = FULL_BLOCK if hi == 8 else END_BLOCK_ELEMENTS[hi]
        elif hi == 8:
            cells[i] = BEGIN_BLOCK_ELEMENTS[lo]
        else:  # begins and ends inside one cell: no centred glyph exists, draw its width
            cells[i] = END_BLOCK_ELEMENTS[max(hi - lo, 1)]
    text = Text("".join(cells), no_wrap=True, overflow="crop")
    text.stylize(style, first, last)
    return text


def nice_ticks(limit: float, max_ticks: int = 8) -> list[float]:
    """Round-numbered ticks 0, step, 2*step ... <= limit, with step in {1, 2, 2.5, 5} x 10^k."""
    if limit <= 0:
        return [0.0]
    raw = limit / max(max_ticks - 1, 1)
    exponent = math.floor(math.log10(raw))
    step = next(m * 10**exponent for m in (1, 2, 2.5, 5, 10) if m * 10**exponent >= raw)
    count = int(limit / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def axis_limit(total: float) -> float:
    """The axis end: the first round tick at or past ``total``, so the axis ends on a label."""
    ticks = nice_ticks(total)
    if len(ticks) < 2 or ticks[-1] >= total:
        return ticks[-1] if ticks[-1] > 0 else max(total, 1e-9)
    return ticks[-1] + (ticks[1] - ticks[0])


def axis(limit: float, width: int, unit: str = "ms") -> Text:
    """A tick line and its labels as one Text of ``width`` cells."""
    chars = [" "] * width
    marks = ["─"] * width
    for tick in nice_ticks(limit, max_ticks=max(2, min(9, width // 8))):
        pos = min(round(width * tick / limit), width - 1) if limit > 0 else 0
        marks[pos] = "┴" if 0 < pos < width - 1 else ("└" if pos == 0 else "┘")
        label = f"{tick:g}" + (f" {unit}" if tick == 0 else "")
        start = 0 if pos == 0 else min(max(pos - len(label) // 2, 0), width - len(label))
        if all(c == " " for c in chars[max(start - 1, 0) : start + len(label) + 1]):
            chars[start : start + len(label)] = label
    return Text("".join(marks) + "\n" + "".join(chars), style="pw.axis", no_wrap=True)
