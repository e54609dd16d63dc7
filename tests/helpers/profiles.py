"""Reading parsed profiles in tests."""

from __future__ import annotations

from collections.abc import Mapping

from perfwaterfall.profile.folded import Stack, is_label


def seen_processes(folded: Mapping[Stack, int]) -> tuple[str, ...]:
    """The process labels sampled, sorted (thread labels left out)."""
    labels = {f[1:-1] for stack in folded for f in stack if is_label(f)}
    return tuple(sorted(label for label in labels if not label.startswith("thread")))
