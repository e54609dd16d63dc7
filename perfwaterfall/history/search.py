"""The bisect search over a list of commits, apart from measuring (pure; after git bisect).

The commit before the list is known good and the last one known bad. Each probe is
good, bad, or skipped (undecided after its rounds, or its harness failed); skipped
commits are never probed again, and the search ends when nothing between the last
good and the first bad is left to probe: one commit, or a range when skips hide it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    GOOD = "good"
    BAD = "bad"
    SKIPPED = "skipped"  # still undecided after the most rounds the policy allows
    FAILED = "failed"  # the harness failed at this commit


@dataclass(frozen=True)
class Span:
    """Where the answer lies: commits[first..last], inclusive; ``last_good`` is -1 for GOOD."""

    last_good: int
    first: int
    last: int

    @property
    def single(self) -> bool:
        return self.first == self.last


def bisect(count: int, probe: Callable[[int], Outcome]) -> Span:
    """Probe indices of ``count`` commits (the last known bad) until one or a range is left."""
    if count < 1:
        raise ValueError("bisect needs at least the bad commit")
    good, bad = -1, count - 1
    skipped: set[int] = set()
    while True:
        left = [i for i in range(good + 1, bad) if i not in skipped]
        if not left:
            return Span(last_good=good, first=good + 1, last=bad)
        middle = (good + bad) / 2
        index = min(left, key=lambda i: (abs(i - middle), i))
        outcome = probe(index)
        if outcome is Outcome.BAD:
            bad = index
        elif outcome is Outcome.GOOD:
            good = index
        else:
            skipped.add(index)
