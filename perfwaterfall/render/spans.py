"""A begin/end span with eighth-of-a-cell precision, after rich/bar.py.

rich's Bar is a renderable of its own; a waterfall row needs the span as Text
to compose with ticks and annotations, and a stage too short for one eighth of
a cell still needs a visible sliver, so it is drawn here.
"""

from __future__ import annotations

import math

from rich.bar import BEGIN_BLOCK_ELEMENTS, END_BLOCK_ELEMENTS, FULL_BLOCK
from rich.text import Text

THIN = "▏"


def span(begin: float, end: float, size: float, width: int, style: str) -> Text:
    """``width`` cells showing [begin, end) of a [0, size) axis."""
    text = Text(" " * width, no_wrap=True, overflow="crop")
    if size <= 0 or width <= 0 or end <= begin:
        return text
    b8 = int(width * 8 * begin / size)
    e8 = int(width * 8 * min(end, size) / size)
    cells: list[str] = [" "] * width
    if e8 <= b8:  # shorter than an eighth: a sliver, so the stage is not invisible
        cells[min(b8 // 8, width - 1)] = THIN
    else:
        for i in range(b8 // 8, math.ceil(e8 / 8)):
            cells[i] = FULL_BLOCK
        if b8 % 8:
            cells[b8 // 8] = BEGIN_BLOCK_ELEMENTS[b8 % 8]
        if e8 % 8 and e8 // 8 != b8 // 8:
            cells[e8 // 8] = END_BLOCK_ELEMENTS[e8 % 8]
    first = min(b8 // 8, width - 1)
    last = max(first + 1, min(math.ceil(e8 / 8), width))
    text = Text("".join(cells), no_wrap=True, overflow="crop")
    text.stylize(style, first, last)
    return text


def nice_ticks(limit: float, max_ticks: int = 8) -> list[float]:
    """Round-numbered ticks 0, step, 2*step ... <= limit, with step in {1, 2, 2.5, 5} x 10^k."""
    if limit <= 0:
        return [0.0]
    raw = limit / max(max_ticks - 1, 1)
    exponent = math.floor(math.log10(raw))
    step = next(
        m * 10**exponent for m in (1, 2, 2.5, 5, 10) if m * 10**exponent >= raw
    )
    count = int(limit / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def axis(limit: float, width: int, unit: str = "ms") -> Text:
    """A tick line and its labels as one Text of ``width`` cells."""
    chars = [" "] * width
    marks = ["─"] * width
    for tick in nice_ticks(limit, max_ticks=max(2, min(9, width // 8))):
        pos = min(int(round(width * tick / limit)), width - 1) if limit > 0 else 0
        marks[pos] = "┴" if 0 < pos < width - 1 else ("└" if pos == 0 else "┘")
        label = f"{tick:g}" + (f" {unit}" if tick == 0 else "")
        start = min(max(pos - len(label) // 2, 0), width - len(label))
        if pos == 0:
            start = 0
        if all(c == " " for c in chars[max(start - 1, 0) : start + len(label) + 1]):
            chars[start : start + len(label)] = label
    text = Text("".join(marks) + "\n" + "".join(chars), style="pw.axis", no_wrap=True)
    return text
