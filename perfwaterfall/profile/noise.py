"""Sampling noise: when a change in sampled time per frame is more than the sampler's luck.

The rule, used by the movers table and the differential flamegraph alike: a side's time
per frame for one key (a function, a stack) is its samples over every profiled round,
scaled to milliseconds per frame. Its variance is the larger of two estimates:

- Poisson: sample counts of a stack are roughly Poisson, so the count's variance is the
  count itself;
- between rounds: with two or more profiled rounds, the spread of the per-round values
  (their variance divided by the number of rounds), which also catches what Poisson does
  not (a round that ran on a busier machine).

The change is real when it is more than ``z`` standard errors of the difference
(``sqrt(var_base + var_head)``), with ``z`` set for the whole table at once (Bonferroni over
every key compared, two-sided, ALPHA 0.05): with hundreds of functions, a per-function 5 %
would mark several as moved on an A/A run. Within it, the change is ``~``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

from perfwaterfall.profile.folded import Folded, Stack

ALPHA = 0.05  # for the whole table or picture, not for each function in it
Key = TypeVar("Key", bound=Hashable)  # a function's name, a stack's path


@dataclass(frozen=True)
class SideSamples:
    """One side's profiled rounds of one pipeline: the stacks of each round, the frames each
    round pushed (warm-up included) and py-spy's rate."""

    rounds: tuple[Folded, ...]
    frames: int
    rate: int

    def __post_init__(self) -> None:
        if self.frames <= 0 or self.rate <= 0:
            raise ValueError("frames and rate must be positive")

    @property
    def round_scale(self) -> float:
        """Milliseconds per frame of one sample in one round."""
        return 1000 / self.rate / self.frames

    @property
    def samples(self) -> int:
        return sum(sum(r.values()) for r in self.rounds)

    @property
    def total_ms(self) -> float:
        """Every sample, per frame: the time the sampler saw on this side."""
        return self.samples * self.round_scale / max(len(self.rounds), 1)

    def counts(self, keys_of: Callable[[Stack], Sequence[Key]]) -> dict[Key, list[int]]:
        """Samples per key and round; ``keys_of`` names the keys a stack counts for (once each)."""
        out: dict[Key, list[int]] = {}
        for i, folded in enumerate(self.rounds):
            per_round: Counter[Key] = Counter()
            for stack, count in folded.items():
                for key in set(keys_of(stack)):
                    per_round[key] += count
            for key, count in per_round.items():
                out.setdefault(key, [0] * len(self.rounds))[i] = count
        return out


@dataclass(frozen=True)
class Estimate:
    """One key's milliseconds per frame on each side and the half-width beyond which the
    change is real (``z`` standard errors of the difference)."""

    base_ms: float
    head_ms: float
    uncertainty_ms: float

    @property
    def delta(self) -> float:
        return self.head_ms - self.base_ms

    @property
    def real(self) -> bool:
        return abs(self.delta) > self.uncertainty_ms


def family_z(keys: int, alpha: float = ALPHA) -> float:
    """Two-sided normal quantile for ``keys`` comparisons at once (Bonferroni)."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(keys, 1)))


def side_ms(counts: Sequence[int], side: SideSamples) -> tuple[float, float]:
    """(milliseconds per frame, its variance) of one key on one side; see the module note."""
    rounds = len(side.rounds)
    if rounds == 0:
        return 0.0, 0.0
    scale = side.round_scale
    mean = sum(counts) * scale / rounds
    poisson = sum(counts) * (scale / rounds) ** 2
    if rounds < 2:
        return mean, poisson
    per_round = [c * scale for c in counts]
    between = sum((v - mean) ** 2 for v in per_round) / (rounds - 1) / rounds
    return mean, max(poisson, between)


def estimate(
    base_counts: Sequence[int],
    head_counts: Sequence[int],
    base: SideSamples,
    head: SideSamples,
    z: float,
) -> Estimate:
    base_ms, base_var = side_ms(base_counts, base)
    head_ms, head_var = side_ms(head_counts, head)
    return Estimate(base_ms, head_ms, z * math.sqrt(base_var + head_var))


def estimates(
    base: SideSamples, head: SideSamples, keys_of: Callable[[Stack], Sequence[Key]]
) -> dict[Key, Estimate]:
    """Every key either side sampled, with the family's ``z`` over all of them."""
    base_counts, head_counts = base.counts(keys_of), head.counts(keys_of)
    keys = base_counts.keys() | head_counts.keys()
    z = family_z(len(keys))
    none_b, none_h = [0] * len(base.rounds), [0] * len(head.rounds)
    return {
        key: estimate(base_counts.get(key, none_b), head_counts.get(key, none_h), base, head, z)
        for key in keys
    }


def pooled(rounds: Sequence[Mapping[Stack, int]]) -> Folded:
    """The rounds' stacks added up, as one py-spy run of them all would count them."""
    total: Counter[Stack] = Counter()
    for folded in rounds:
        total.update(folded)
    return dict(total)
