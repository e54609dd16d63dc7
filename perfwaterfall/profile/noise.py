"""Sampling noise: when a change in sampled time per frame is more than the sampler's luck.

The rule, used by the movers table and the differential flamegraph alike. A side's time
per frame for one key (a function, a stack) is its samples over every profiled round,
scaled to milliseconds per frame; its variance comes from the rounds' spread, moderated
toward what the whole table says a key of that size varies (``dispersion.py``: a
negative-binomial variance function fitted by Pearson's chi-square, and limma's empirical
Bayes prior, which lends every key ``d0`` degrees of freedom). The change is real when it
clears Welch's t at the Welch-Satterthwaite degrees of freedom of the two moderated
variances (one side may be far noisier than the other: a copy against none).

The quantile is set for the whole table at once (Bonferroni, two-sided, ALPHA 0.05): with
hundreds of functions, a per-function 5 % would mark several as moved on every A/A run.
Keys with too few samples to clear the table's bar even with every sample on one side
are not counted in that family (independent filtering, Bourgon et al. 2010: the total
count says nothing of the split under the null), so they cost the others no power; they
are shown within noise. Measured: ``benchmarks/profile_noise.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

from perfwaterfall.analysis.tdist import t_quantile
from perfwaterfall.profile.dispersion import CountModel, fit
from perfwaterfall.profile.folded import Folded, Stack

ALPHA = 0.05  # for the whole table or picture, not for each function in it
# A key whose own spread is this improbable under the family's is judged on it alone: a
# wrong flag only costs that key the degrees of freedom it would have borrowed. Measured
# on recorded A/A rounds here, 1 % and 5 % kept the same false marks away; 0.1 % fewer.
OUTLIER_LEVEL = 0.01
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
    change is real (module note)."""

    base_ms: float
    head_ms: float
    uncertainty_ms: float


def family_z(keys: int, alpha: float = ALPHA) -> float:
    """Two-sided normal quantile for ``keys`` comparisons at once (Bonferroni)."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(keys, 1)))


def family_t(keys: int, df: float, alpha: float = ALPHA) -> float:
    """Two-sided Student t quantile for ``keys`` comparisons at once (Bonferroni); the
    normal one past ``MAX_DF``, and fractional degrees of freedom rounded down (cautious)."""
    if df >= MAX_DF:
        return family_z(keys, alpha)
    return t_quantile(1 - alpha / (2 * max(keys, 1)), max(1, math.floor(df)))


MAX_DF = 1000  # where t and the normal quantile differ by less than 0.3 % at the tails used


def side_ms(counts: Sequence[float], side: SideSamples) -> float:
    """Milliseconds per frame of one key on one side: all its samples over all rounds."""
    return sum(counts) * side.round_scale / max(len(side.rounds), 1)


@dataclass(frozen=True)
class SideVariance:
    """Variance of one key's ``side_ms`` on one side, and its degrees of freedom."""

    var: float
    df: float


def side_variance(
    counts: Sequence[float], side: SideSamples, model: CountModel, null_ms: float
) -> SideVariance:
    """The family's part is taken at the level both sides share if nothing changed,
    ``null_ms``: at each side's own mean, a side that sampled low by chance would also get
    a low variance, and the two errors together fatten the tails (the score test's way)."""
    per_round, df = model.moderated(counts, null_ms / side.round_scale, OUTLIER_LEVEL)
    return SideVariance(per_round / len(counts) * side.round_scale**2, df)


def welch_df(base: SideVariance, head: SideVariance) -> float:
    """Welch-Satterthwaite: the degrees of freedom of a sum of two variances."""
    total = base.var + head.var
    if total <= 0:
        return math.inf
    spread = sum(v.var**2 / v.df for v in (base, head) if v.var > 0)
    return total**2 / spread if spread > 0 else math.inf


def estimate(
    base_counts: Sequence[float],
    head_counts: Sequence[float],
    base: SideSamples,
    head: SideSamples,
    model: CountModel,
    keys: int,
) -> Estimate:
    """One key, judged as one of ``keys`` comparisons."""
    base_ms, head_ms = side_ms(base_counts, base), side_ms(head_counts, head)
    null_ms = (base_ms + head_ms) / 2
    b = side_variance(base_counts, base, model, null_ms)
    h = side_variance(head_counts, head, model, null_ms)
    half_width = family_t(keys, welch_df(b, h)) * math.sqrt(b.var + h.var)
    return Estimate(base_ms, head_ms, half_width)


def estimates(
    base: SideSamples, head: SideSamples, keys_of: Callable[[Stack], Sequence[Key]]
) -> dict[Key, Estimate]:
    """Every key either side sampled, judged with the bars of the whole family."""
    base_counts, head_counts = base.counts(keys_of), head.counts(keys_of)
    none_b, none_h = [0] * len(base.rounds), [0] * len(head.rounds)
    pairs = {
        key: (base_counts.get(key, none_b), head_counts.get(key, none_h))
        for key in base_counts.keys() | head_counts.keys()
    }
    model = fit([*base_counts.values(), *head_counts.values()])
    fewest = math.ceil(family_z(len(pairs)) ** 2)
    tested = sum(1 for b, h in pairs.values() if sum(b) + sum(h) >= fewest)
    found = {}
    for key, (b, h) in pairs.items():
        one = estimate(b, h, base, head, model, tested)
        if sum(b) + sum(h) < fewest:  # not in the family: within noise by construction
            one = Estimate(one.base_ms, one.head_ms, max(one.uncertainty_ms, abs(one.delta)))
        found[key] = one
    return found


def pooled(rounds: Sequence[Mapping[Stack, int]]) -> Folded:
    """The rounds' stacks added up, as one py-spy run of them all would count them."""
    total: Counter[Stack] = Counter()
    for folded in rounds:
        total.update(folded)
    return dict(total)
