"""A probe's line: its figures and its verdict against each endpoint, in words."""

from __future__ import annotations

import random

from perfwaterfall.analysis.verdict import judge
from perfwaterfall.history.bisect import Probe
from perfwaterfall.history.commits import Commit
from perfwaterfall.history.search import Outcome
from perfwaterfall.render.bisect import probe_line

COMMIT = Commit("a" * 40, "aaaaaaa", "2026-01-01T00:00:00+00:00", "Detector slower")


def change(shift_pct: float, noise_pct: float = 0.1, seed: int = 1):
    rng = random.Random(seed)
    base = [20 * (1 + rng.gauss(0, noise_pct / 100)) for _ in range(6)]
    head = [b * (1 + shift_pct / 100) * (1 + rng.gauss(0, noise_pct / 100)) for b in base]
    return judge(base, head, detection_alpha=0.01, equivalence_alpha=0.05, threshold_pct=2)


def test_a_bad_probe_says_slower_than_good_and_same_as_bad():
    probe = Probe(COMMIT, Outcome.BAD, vs_good=change(5), vs_bad=change(0), rounds=6)
    text = probe_line(probe, 2).plain
    assert text.startswith("probe 2 · aaaaaaa Detector")
    assert "(slower than GOOD)" in text and "(same as BAD)" in text
    assert "6 rounds → bad" in text


def test_an_undecided_side_is_said_so_and_a_failure_names_its_reason():
    probe = Probe(COMMIT, Outcome.SKIPPED, vs_good=change(1, 8), vs_bad=change(1, 8), rounds=8)
    text = probe_line(probe, 1).plain
    assert "undecided against GOOD" in text and "BAD against it undecided" in text
    failed = probe_line(Probe(COMMIT, Outcome.FAILED, message="exit 3\nboom"), 3).plain
    assert "harness failed: exit 3 boom" in failed and failed.endswith("→ failed")
