"""The measurement cache: rounds kept by commit and session, failures kept for the
invocation that saw them, bad files refused."""

from __future__ import annotations

import random

import pytest

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.history.cache import CacheKey, MeasurementCache, TaggedRound, clear
from perfwaterfall.history.pairing import paired_rounds
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.store.machine import MachineInfo
from tests.helpers import fake_results

MACHINE = MachineInfo("cpu", 2, "3.11", "2", "27", "Linux")
SHA = "a" * 40


def key(frames: int = 3) -> CacheKey:
    return CacheKey(("{python}", "bench.py"), None, frames, 0, MACHINE)


def rounds(n: int, ms: float = 1.0, seed: int = 0):
    rng = random.Random(seed)
    stages = [("Work", "filter", ms), ("hop", "ipc", 0.5)]
    out = []
    for _ in range(n):
        rows = fake_results.jittered_rows([s[2] for s in stages], 3, 0.01, rng)
        doc = fake_results.document("pipe", "P", stages, rows, params={}, meta={})
        out.append(parse_results(doc))
    return out


def test_rounds_are_kept_by_commit_and_session(tmp_path):
    cache = MeasurementCache(tmp_path, key())
    cache.add(SHA, "s1", {"pipe": rounds(2)}, ["pipe"])
    cache.add(SHA, "s2", {"pipe": rounds(1)})
    entry = MeasurementCache(tmp_path, key()).get(SHA)  # read back from disk
    assert [t.session for t in entry.rounds["pipe"]] == ["s1", "s1", "s2"]
    assert entry.listed == ("pipe",) and entry.failure is None
    assert MeasurementCache(tmp_path, key(frames=4)).get(SHA).rounds == {}  # another key


def test_a_failure_is_retried_by_the_next_invocation_but_rounds_are_kept(tmp_path):
    first = MeasurementCache(tmp_path, key())
    first.add(SHA, "s1", {"pipe": rounds(2)})
    first.fail(SHA, "harness exited with status 3")
    assert first.get(SHA).failure == "harness exited with status 3"
    later = MeasurementCache(tmp_path, key()).get(SHA)  # another bisect or log
    assert later.failure is None
    assert len(later.rounds["pipe"]) == 2


def test_a_failure_is_kept_and_clear_forgets_everything(tmp_path):
    cache = MeasurementCache(tmp_path, key())
    cache.fail(SHA, "harness exited with status 3")
    assert cache.get(SHA).failure == "harness exited with status 3"
    assert clear(tmp_path) == 1
    assert cache.get(SHA).failure is None


def test_a_damaged_file_is_one_clear_error(tmp_path):
    cache = MeasurementCache(tmp_path, key())
    cache.add(SHA, "s1", {"pipe": rounds(1)})
    (cache.directory / f"{SHA}.json").write_text('{"format": "perf-waterfall/history-cache@1"}')
    with pytest.raises(InvalidDocument, match="cache clear"):
        cache.get(SHA)


def test_rounds_of_a_shared_session_pair_up_others_in_order():
    a = [TaggedRound("x", r) for r in rounds(2)] + [TaggedRound("y", r) for r in rounds(3, seed=1)]
    b = [TaggedRound("y", r) for r in rounds(2, seed=2)]
    left, right = paired_rounds(a, b)
    assert left == [t.result for t in a[2:4]] and len(right) == 2
    c = [TaggedRound("z", r) for r in rounds(1, seed=3)]
    assert paired_rounds(a, c) == ([a[0].result], [c[0].result])


def test_the_cache_lives_where_the_environment_says(tmp_path, monkeypatch):
    from perfwaterfall.history.location import default_cache_dir

    monkeypatch.delenv("PERF_WATERFALL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "perf-waterfall"
    monkeypatch.setenv("PERF_WATERFALL_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
