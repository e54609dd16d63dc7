"""SVG and HTML that load nothing: rich's SVG asks a CDN for its Fira Code font, which a
CI artifact, an offline viewer or a strict content policy cannot (or should not) fetch."""

from __future__ import annotations

import re

# The fonts the machine has: the same monospace stack as rich's HTML export.
MONOSPACE = "'Fira Code', Menlo, 'DejaVu Sans Mono', Consolas, 'Courier New', monospace"
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}\s*")
_FIRA = re.compile(r"font-family:\s*Fira Code,\s*monospace")


def offline_svg(svg: str) -> str:
    """rich's SVG without its @font-face rules (each a CDN url), on local fonts."""
    return _FIRA.sub(f"font-family: {MONOSPACE}", _FONT_FACE.sub("", svg))
