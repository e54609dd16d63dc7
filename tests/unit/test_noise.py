"""The sampling-noise rule's two bars, exactly: quasi-Poisson counts and the rounds' spread."""

from __future__ import annotations

import math

import pytest

from perfwaterfall.profile.noise import SideSamples, dispersion, estimates, family_t, family_z

KEY = ("[harness]", "f (a.py)")


def side(*counts: int, others: dict[str, tuple[int, ...]] | None = None) -> SideSamples:
    """Rounds of 10 frames at 100 Hz (one sample = 1 ms per frame) of f and ``others``."""
    rounds = []
    for i, count in enumerate(counts):
        stacks = {KEY: count}
        for name, per_round in (others or {}).items():
            stacks[("[harness]", name)] = per_round[i]
        rounds.append(stacks)
    return SideSamples(tuple(rounds), frames=10, rate=100)


def leaf(stack: tuple[str, ...]) -> tuple[str]:
    return (stack[-1],)


def test_one_round_is_plain_poisson():
    found = estimates(side(100), side(160), leaf)["f (a.py)"]
    assert (found.base_ms, found.head_ms) == (100, 160)
    assert found.uncertainty_ms == pytest.approx(family_z(1) * math.sqrt(260))
    assert found.real


def test_rounds_that_agree_by_chance_do_not_make_a_mover():
    """Three tight rounds a side, 33 % apart, in a table of 100 functions: Poisson alone
    would call it real; Student's t at 4 degrees of freedom on the rounds' spread does not."""
    quiet = {f"g{i} (a.py)": (5, 5, 5) for i in range(99)}  # dispersion 0: phi stays 1
    found = estimates(side(215, 192, 228, others=quiet), side(315, 274, 258, others=quiet), leaf)[
        "f (a.py)"
    ]
    spread = (332.33 + 864.33) / 3  # each side's sample variance of its rounds, over 3
    assert found.uncertainty_ms == pytest.approx(family_t(100, 4) * math.sqrt(spread), rel=1e-4)
    assert not found.real
    assert found.delta > family_z(100) * math.sqrt((635 + 847) / 9)  # Poisson alone: real


def test_overdispersion_is_the_median_dispersion_index():
    assert dispersion([(10, 10, 10), (4, 20, 6), (100, 130, 70)]) == pytest.approx(
        76 / 10
    )  # 0, 7.6, 9
    assert dispersion([(3, 1, 2)]) == 1.0  # under 5 a round: not enough to estimate
    assert dispersion([(10, 10, 10)]) == 1.0  # never below Poisson
    # phi widens every key's counts bar: f's 100 -> 130 is real under Poisson, not under phi
    noisy = {f"g{i} (a.py)": (40, 80, 60) for i in range(5)}  # dispersion index 400 / 60
    calm = estimates(side(100, 100, 100), side(130, 130, 130), leaf)["f (a.py)"]
    wide = estimates(side(100, 100, 100, others=noisy), side(130, 130, 130, others=noisy), leaf)[
        "f (a.py)"
    ]
    assert calm.real and not wide.real
    z = family_z(6)
    assert wide.uncertainty_ms == pytest.approx(z * math.sqrt(400 / 60 * (300 + 390) / 9))
