"""The bisect search alone: which commits it probes and what it answers."""

from __future__ import annotations

import pytest

from perfwaterfall.history.search import Outcome, Span, bisect


def outcomes(first_bad: int, unknown: set[int] = frozenset()):  # type: ignore[assignment]
    probed: list[int] = []

    def probe(i: int) -> Outcome:
        probed.append(i)
        if i in unknown:
            return Outcome.SKIPPED
        return Outcome.BAD if i >= first_bad else Outcome.GOOD

    return probe, probed


@pytest.mark.parametrize("first_bad", range(16))
def test_finds_every_position_in_log2_probes(first_bad):
    probe, probed = outcomes(first_bad)
    span = bisect(16, probe)
    assert span == Span(last_good=first_bad - 1, first=first_bad, last=first_bad)
    assert len(probed) <= 4 and len(set(probed)) == len(probed)


def test_a_skipped_neighbour_widens_the_answer_to_a_range():
    probe, probed = outcomes(6, unknown={5})
    span = bisect(10, probe)
    assert (span.first, span.last) == (5, 6) and not span.single
    assert probed.count(5) == 1  # a skipped commit is never probed again


def test_everything_skipped_names_the_whole_range():
    probe, _ = outcomes(3, unknown=set(range(9)))
    assert bisect(10, probe) == Span(last_good=-1, first=0, last=9)


def test_one_commit_needs_no_probe():
    probe, probed = outcomes(0)
    assert bisect(1, probe).single and probed == []
