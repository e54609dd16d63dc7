"""Frames first, then what explains them: the family-wise level holds, and a frame found
real hands its level on to its own pipeline's parts. Seeded simulations of p values
(a t test's p value is uniform when nothing changed, exactly)."""

import random

import pytest

from perfwaterfall.analysis.gatekeeping import Hypothesis, final_weights
from perfwaterfall.analysis.verdict import ALPHA, FRAME_SHARE, Design

PIPELINES, PARTS = 6, 8


def _family(rng, shifted=()):
    """6 pipelines x (frame + 8 parts) with the design's starting weights; the pipelines
    in ``shifted`` really changed (their frame and first part get tiny p values)."""
    design = Design(PIPELINES, PIPELINES * PARTS)
    out = []
    for p in range(PIPELINES):
        for k in range(PARTS + 1):
            frame = k == 0
            weight = design.detection_alpha(frame=frame) / ALPHA
            changed = p in shifted and k <= 1
            out.append(Hypothesis(p, frame, weight, 1e-9 if changed else rng.random()))
    return out


def _false_rejections(hypotheses, weights, shifted=()):
    return sum(
        h.p_value <= ALPHA * w
        for i, (h, w) in enumerate(zip(hypotheses, weights, strict=True))
        if not (h.pipeline in shifted and i % (PARTS + 1) <= 1)
    )


@pytest.mark.parametrize("shifted", [(), (0,), (0, 1, 2)])
def test_the_family_wise_error_is_held_at_alpha(shifted):
    # 8,000 seeded families: the rate's Monte Carlo sd is 0.0024. A rule at 7% (or one
    # that spends more than ALPHA) fails the upper bound; one that wastes a third of its
    # budget fails the lower one, which is what Bonferroni's sum gives under independence.
    rng = random.Random(2026 + len(shifted))
    trials, marked = 8_000, 0
    for _ in range(trials):
        family = _family(rng, shifted)
        marked += _false_rejections(family, final_weights(family, ALPHA), shifted) > 0
    rate = marked / trials
    assert rate <= ALPHA + 0.006, rate
    assert rate >= 0.7 * ALPHA, rate


def test_a_real_frame_hands_its_level_to_its_own_parts_only():
    family = _family(random.Random(1), shifted=(2,))
    weights = final_weights(family, ALPHA)
    start = Design(PIPELINES, PIPELINES * PARTS)
    part_start = start.detection_alpha(frame=False) / ALPHA
    frame_start = start.detection_alpha(frame=True) / ALPHA
    own = [w for h, w in zip(family, weights, strict=True) if h.pipeline == 2 and not h.frame]
    # Part 1 was found real too and handed its weight on to the 7 parts left.
    remaining = own[1:]
    expected = part_start + (frame_start + part_start) / (PARTS - 1)
    assert remaining == pytest.approx([expected] * (PARTS - 1))
    others = [w for h, w in zip(family, weights, strict=True) if h.pipeline != 2]
    assert sorted(set(round(w, 12) for w in others)) == sorted(
        {round(part_start, 12), round(frame_start, 12)}
    )


def test_the_frames_start_with_their_share_and_nothing_is_spent_twice():
    design = Design(frame_quantities=6, other_quantities=46, looks=3)
    frames = 6 * design.detection_alpha(frame=True)
    total = frames + 46 * design.detection_alpha(frame=False)
    assert frames * design.looks == pytest.approx(ALPHA * FRAME_SHARE)
    assert total * design.looks == pytest.approx(ALPHA)
    assert FRAME_SHARE == 0.8
