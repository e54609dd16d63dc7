"""The pipelines: stages, resolution, codec and simulated work per filter.

A scenario is pure data; the driver turns it into processes. Stage order is the
order a frame passes through, and the results document lists hops in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from scenarios.hop_parts import part_names

Codec = Literal["raw", "jpeg"]


@dataclass(frozen=True)
class Filter:
    """One stage process. ``new_image``: it writes a new image instead of passing it on."""

    name: str
    work_ms: float
    new_image: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    width: int
    height: int
    codec: Codec
    filters: tuple[Filter, ...]
    # The camera's resolution when VideoIn resizes before sending (4k_to_1080p_*).
    source_size: tuple[int, int] | None = None

    def descriptor(self) -> dict[str, Any]:
        """One entry of ``HARNESS list``."""
        return {"name": self.name, "label": self.label}

    def stages(self) -> list[dict[str, str]]:
        """Filters with a hop between each pair, as the results document lists them."""
        out: list[dict[str, str]] = []
        for i, f in enumerate(self.filters):
            if i:
                out.append({"name": f"hop {i}", "kind": "ipc"})
            out.append({"name": f.name, "kind": "filter"})
        return out

    def substages(self) -> list[dict[str, str]]:
        """Every hop's inner parts (scenarios.hop_parts), as the document's sub-stages."""
        return [
            {"name": part, "kind": "ipc", "parent": f"hop {i}"}
            for i in range(1, len(self.filters))
            for part in part_names(self.codec)
        ]

    @property
    def hops(self) -> int:
        return len(self.filters) - 1


def _raw_and_jpeg(
    name: str, label: str, size: tuple[int, int], filters: tuple[Filter, ...], **kw: Any
) -> tuple[Scenario, Scenario]:
    w, h = size
    return (
        Scenario(f"{name}_raw", f"{label}, raw", w, h, "raw", filters, **kw),
        Scenario(f"{name}_jpg", f"{label}, JPEG", w, h, "jpeg", filters, **kw),
    )


_4K = (3840, 2160)
_1080P = (1920, 1080)

SCENARIOS: tuple[Scenario, ...] = (
    *_raw_and_jpeg(
        "4k",
        "4K native, 2 filters",
        _4K,
        (Filter("VideoIn", 0), Filter("Detector", 20), Filter("Sink", 0)),
    ),
    *_raw_and_jpeg(
        "4k_to_1080p",
        "4K to 1080p, 3 filters",
        _1080P,
        (Filter("VideoIn", 0.2), Filter("Detector", 15), Filter("Tracker", 5), Filter("Sink", 0)),
        source_size=_4K,
    ),
    Scenario(
        "1080p_raw",
        "1080p, 4 filters, raw",
        *_1080P,
        "raw",
        (
            Filter("VideoIn", 0),
            # Preprocessing produces new pixels: the one filter that writes a new image.
            Filter("Preprocess", 2, new_image=True),
            Filter("Inference", 30),
            Filter("Postprocess", 3),
            Filter("Sink", 0),
        ),
    ),
    Scenario(
        "480p_raw",
        "480p, 3 filters, raw (fast path)",
        640,
        480,
        "raw",
        (Filter("VideoIn", 0), Filter("Detector", 8), Filter("Tracker", 3), Filter("Sink", 0)),
    ),
)

BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
