"""Profile words shared by the movers panel, its markdown and the differential flamegraph."""

from __future__ import annotations


def samples_text(samples: int, rounds: int) -> str:
    """'12,345 samples over 3 rounds': what stands behind one side's figures."""
    return f"{samples:,} samples over {rounds} round{'' if rounds == 1 else 's'}"
