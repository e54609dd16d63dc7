"""Reading parsed profiles in tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from perfwaterfall.flamegraph.tree import DiffFlamegraph, diff_flamegraph
from perfwaterfall.profile.folded import Folded, Stack, is_label, parse_folded
from perfwaterfall.profile.noise import SideSamples

FIXTURES = Path(__file__).parents[1] / "fixtures" / "profile"
STAGES = ("Detector", "hop 1", "Sink")  # the order the fixture's results document gives


def seen_processes(folded: Mapping[Stack, int]) -> tuple[str, ...]:
    """The process labels sampled, sorted (thread labels left out)."""
    labels = {f[1:-1] for stack in folded for f in stack if is_label(f)}
    return tuple(sorted(label for label in labels if not label.startswith("thread")))


def fixture_folded(side: str) -> Folded:
    """tests/fixtures/profile/diff-<side>.folded: detect +200 samples at head, encode base only."""
    text = (FIXTURES / f"diff-{side}.folded").read_text()
    return parse_folded(text, roots=[Path(f"/wt/{side}")])


def one_round(stacks: Folded) -> SideSamples:
    """One profiled round of 10 frames at 100 Hz: one sample is 1 ms per frame."""
    return SideSamples((stacks,), frames=10, rate=100)


def fixture_diff() -> DiffFlamegraph:
    base, head = one_round(fixture_folded("base")), one_round(fixture_folded("head"))
    return diff_flamegraph("tiny", ("base", "head"), base, head, STAGES)
