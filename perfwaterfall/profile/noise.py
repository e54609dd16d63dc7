"""Sampling noise: when a change in sampled time per frame is more than the sampler's luck.

The rule, used by the movers table and the differential flamegraph alike. A side's time
per frame for one key (a function, a stack) is its samples over every profiled round,
scaled to milliseconds per frame. The change is real only when it clears two bars at once:

- counts: sample counts are Poisson-like, but py-spy's are overdispersed (a round on a
  busier machine samples everything more or less). Their variance is the count times
  ``phi``, the median dispersion index (variance / mean of the per-round counts) over
  the well-sampled keys of the table (a quasi-Poisson model: many keys, so ``phi`` is
  well estimated, and a normal quantile ``z`` applies);
- rounds: the spread of each key's per-round values (two or more rounds a side), with
  Student's t at the pooled ``K_base + K_head - 2`` degrees of freedom: three rounds
  estimate a variance badly, and a key whose three rounds happened to agree (a start-up
  cost that varies twofold under load) must not pass for a mover.

Both quantiles are set for the whole table at once (Bonferroni over every key compared,
two-sided, ALPHA 0.05): with hundreds of functions, a per-function 5 % would mark several
as moved on every A/A run. The change's uncertainty is the larger of the two half-widths;
within it, the change is ``~``. Measured: ``benchmarks/profile_noise.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

from perfwaterfall.analysis.tdist import t_quantile
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


class BeyondNoise:
    """The one rule of what is real: a change larger than its sampling-noise half-width.
    Shared by an estimate and a mover, which carry the same three figures."""

    base_ms: float
    head_ms: float
    uncertainty_ms: float

    @property
    def delta(self) -> float:
        return self.head_ms - self.base_ms

    @property
    def real(self) -> bool:
        return abs(self.delta) > self.uncertainty_ms


@dataclass(frozen=True)
class Estimate(BeyondNoise):
    """One key's milliseconds per frame on each side and the half-width beyond which the
    change is real: the larger of the counts' and the rounds' bars (module note)."""

    base_ms: float
    head_ms: float
    uncertainty_ms: float


def family_z(keys: int, alpha: float = ALPHA) -> float:
    """Two-sided normal quantile for ``keys`` comparisons at once (Bonferroni)."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(keys, 1)))


def family_t(keys: int, df: int, alpha: float = ALPHA) -> float:
    """Two-sided Student t quantile for ``keys`` comparisons at once (Bonferroni)."""
    return t_quantile(1 - alpha / (2 * max(keys, 1)), df)


@dataclass(frozen=True)
class Bars:
    """The table's quantiles and overdispersion: what every key's change must clear."""

    z: float
    phi: float  # >= 1: Poisson variance times this
    t: float | None  # None when a side has fewer than two rounds (no spread to judge)


def side_ms(counts: Sequence[int], side: SideSamples) -> float:
    """Milliseconds per frame of one key on one side: all its samples over all rounds."""
    return sum(counts) * side.round_scale / max(len(side.rounds), 1)


def _poisson_var(counts: Sequence[int], side: SideSamples) -> float:
    """Variance of ``side_ms`` if the total count were Poisson."""
    return sum(counts) * (side.round_scale / max(len(side.rounds), 1)) ** 2


def _spread_var(counts: Sequence[int], side: SideSamples) -> float:
    """Variance of ``side_ms`` from the spread of the per-round values."""
    rounds = len(side.rounds)
    values = [c * side.round_scale for c in counts]
    mean = sum(values) / rounds
    return sum((v - mean) ** 2 for v in values) / (rounds - 1) / rounds


def estimate(
    base_counts: Sequence[int],
    head_counts: Sequence[int],
    base: SideSamples,
    head: SideSamples,
    bars: Bars,
) -> Estimate:
    counts_var = bars.phi * (_poisson_var(base_counts, base) + _poisson_var(head_counts, head))
    half_width = bars.z * math.sqrt(counts_var)
    if bars.t is not None:
        rounds_var = _spread_var(base_counts, base) + _spread_var(head_counts, head)
        half_width = max(half_width, bars.t * math.sqrt(rounds_var))
    return Estimate(side_ms(base_counts, base), side_ms(head_counts, head), half_width)


def estimates(
    base: SideSamples, head: SideSamples, keys_of: Callable[[Stack], Sequence[Key]]
) -> dict[Key, Estimate]:
    """Every key either side sampled, judged with the bars of the whole family."""
    base_counts, head_counts = base.counts(keys_of), head.counts(keys_of)
    keys = base_counts.keys() | head_counts.keys()
    none_b, none_h = [0] * len(base.rounds), [0] * len(head.rounds)
    spread = len(base.rounds) >= 2 and len(head.rounds) >= 2
    bars = Bars(
        z=family_z(len(keys)),
        phi=dispersion([*base_counts.values(), *head_counts.values()]),
        t=family_t(len(keys), len(base.rounds) + len(head.rounds) - 2) if spread else None,
    )
    return {
        key: estimate(base_counts.get(key, none_b), head_counts.get(key, none_h), base, head, bars)
        for key in keys
    }


def dispersion(per_round_counts: Sequence[Sequence[int]], min_mean: float = 5.0) -> float:
    """``phi``: the median over keys of the per-round counts' variance / mean, at least 1
    (1 with one round or no key sampled ``min_mean`` times a round: plain Poisson)."""
    ratios = sorted(
        _variance(c) / (sum(c) / len(c))
        for c in per_round_counts
        if len(c) >= 2 and sum(c) / len(c) >= min_mean
    )
    if not ratios:
        return 1.0
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return max(1.0, median)


def _variance(values: Sequence[int]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def pooled(rounds: Sequence[Mapping[Stack, int]]) -> Folded:
    """The rounds' stacks added up, as one py-spy run of them all would count them."""
    total: Counter[Stack] = Counter()
    for folded in rounds:
        total.update(folded)
    return dict(total)
