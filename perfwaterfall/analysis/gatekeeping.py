"""Spending the error budget where the reader looks: frames first, then what explains them.

A plain Bonferroni split gives every quantity of the family a fixed share of ALPHA, so
each stage, hop and part a pipeline reports makes its frame time harder to call real.
Here the frame times start with FRAME_SHARE of ALPHA between them and the explanations
(IPC, stages, hops, parts) share the rest, so a change in a stage can still be seen when
it moves no frame. When a frame is found real its share is handed on, split equally, to
its own pipeline's explanations not yet found real; an explanation found real hands its
share on to its siblings. This is a graphical procedure (Bretz, Maurer, Brannath and
Posch 2009) of weighted Bonferroni tests: weight moves only away from a quantity found
real, and the weights of those still open never sum above one, so by the closure
principle every set of true nulls is tested at a total level of at most ALPHA, and the
family-wise error holds under any dependence between the quantities. Attribution then
costs the frame nothing: the frame has its level whatever the pipeline reports, and
the parts are tested at a wider level exactly where the frame moved. The price: a
part whose frame did not move starts from a fifth of ALPHA (it was half before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Hypothesis:
    """One quantity's test: its pipeline, whether it is the frame, its starting weight."""

    pipeline: int
    frame: bool
    weight: float
    p_value: float


def final_weights(hypotheses: Sequence[Hypothesis], alpha: float) -> list[float]:
    """Each quantity's weight when the procedure stops; a quantity is real exactly when
    its p value is at most ``alpha`` times its final weight."""
    weights = [h.weight for h in hypotheses]
    rejected = [False] * len(hypotheses)
    while True:
        found = next(
            (
                i
                for i, h in enumerate(hypotheses)
                if not rejected[i] and weights[i] > 0 and h.p_value <= alpha * weights[i]
            ),
            None,
        )
        if found is None:
            return weights
        rejected[found] = True
        heirs = [
            i
            for i, h in enumerate(hypotheses)
            if not rejected[i] and not h.frame and h.pipeline == hypotheses[found].pipeline
        ]
        for i in heirs:
            weights[i] += weights[found] / len(heirs)
        # A rejected quantity keeps its weight: its level is the one it was found real at.
