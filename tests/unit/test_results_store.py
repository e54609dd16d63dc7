"""The results store: rows by commit and setup, summaries, failures per invocation, the
cache of log and bisect kept in it, and damaged files refused without a write."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from perfwaterfall.errors import UsageError
from perfwaterfall.history.cache import CacheKey, MeasurementCache, clear
from perfwaterfall.results.db import DamagedStore
from perfwaterfall.results.rows import Setup
from perfwaterfall.results.schema import VERSION
from perfwaterfall.results.store import ResultsStore
from perfwaterfall.results.store_cache import StoreCache
from perfwaterfall.store.machine import MachineInfo
from tests.unit.test_history_cache import rounds

MACHINE = MachineInfo("cpu", 2, "3.11", "2", "27", "Linux")
OTHER = MachineInfo("other cpu", 4, "3.11", "2", "27", "Linux")
SHA, SHA2 = "a" * 40, "b" * 40


def setup(machine: MachineInfo = MACHINE, frames: int = 3) -> Setup:
    return Setup(("{python}", "bench.py"), None, frames, 0, machine)


def key(machine: MachineInfo = MACHINE) -> CacheKey:
    return CacheKey(("{python}", "bench.py"), None, 3, 0, machine)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rounds_come_back_whole_by_setup_with_their_sessions(tmp_path):
    with ResultsStore(tmp_path / "s.sqlite") as store:
        store.add_rounds(setup(), SHA, "s1", "record", {"pipe": rounds(2, ms=1.0)}, ["pipe"])
        store.add_rounds(setup(), SHA, "s2", "cache", {"pipe": rounds(1, ms=1.0, seed=1)})
        store.add_rounds(setup(OTHER), SHA, "s3", "record", {"pipe": rounds(1, ms=9.0)})
    with ResultsStore(tmp_path / "s.sqlite") as store:  # read back from disk
        back = store.rounds(setup(), SHA)["pipe"]
        assert [s for s, _ in back] == ["s1", "s1", "s2"]
        assert back[:2] == [("s1", r) for r in rounds(2, ms=1.0)]
        assert store.rounds(setup(frames=4), SHA) == {}
        assert store.listed(setup(), SHA) == ("pipe",)
        assert store.recorded(setup(), ("record",)) == {SHA}
        assert store.recorded(setup(OTHER)) == {SHA}
        fingerprints = {s.fingerprint for _, s in store.setups()}
        assert len(fingerprints) == 2  # two machines: two setups, never one line


def test_summaries_hold_frame_stages_and_parts(tmp_path):
    from tests.unit.builders import nested_rounds

    nested = nested_rounds(0.5)
    with ResultsStore(tmp_path / "s.sqlite") as store:
        store.add_rounds(setup(), SHA, "s1", "record", {"pipe": nested[:1]})
        ((setup_id, _),) = store.setups()
        (summary,) = store.summaries(setup_id)
    result = nested[0]
    assert [name for name, _ in summary.stages] == [s.name for s in result.stages]
    assert [path for path, _ in summary.parts] == [s.path for s in result.substages]
    assert summary.frame_ms == pytest.approx(sum(ms for _, ms in summary.stages), rel=0.2)


def test_the_cache_of_log_and_bisect_lives_in_the_store(tmp_path):
    store = ResultsStore(tmp_path / "s.sqlite")
    cache = StoreCache(store, tmp_path, key())
    cache.add(SHA, "s1", {"pipe": rounds(2)}, ["pipe"])
    cache.fail(SHA2, "harness exited with status 3")
    assert cache.get(SHA2).failure == "harness exited with status 3"
    later = StoreCache(store, tmp_path, key())  # another invocation retries the failure
    assert later.get(SHA2).failure is None
    assert [t.session for t in later.get(SHA).rounds["pipe"]] == ["s1", "s1"]
    assert later.get(SHA).listed == ("pipe",)
    assert StoreCache(store, tmp_path, key(OTHER)).get(SHA).rounds == {}


def test_the_old_json_cache_is_read_through_once(tmp_path):
    old = MeasurementCache(tmp_path, key())
    old.add(SHA, "s1", {"pipe": rounds(3)})
    store = ResultsStore(tmp_path / "s.sqlite")
    entry = StoreCache(store, tmp_path, key()).get(SHA)
    assert len(entry.rounds["pipe"]) == 3
    assert clear(tmp_path) == 1  # the JSON goes; the store file is not a cache file
    assert len(StoreCache(store, tmp_path, key()).get(SHA).rounds["pipe"]) == 3


def test_forget_drops_what_log_and_bisect_measured_and_keeps_records(tmp_path):
    with ResultsStore(tmp_path / "s.sqlite") as store:
        store.add_rounds(setup(), SHA, "s1", "record", {"pipe": rounds(2)})
        store.add_rounds(setup(), SHA2, "s2", "cache", {"pipe": rounds(2)})
        assert store.forget("cache") == 1
        assert store.recorded(setup()) == {SHA}


def test_a_truncated_store_is_refused_in_one_line_and_not_written(tmp_path):
    path = tmp_path / "s.sqlite"
    with ResultsStore(path) as store:
        for i in range(40):
            store.add_rounds(setup(), f"{i:040x}", "s", "record", {"pipe": rounds(3, seed=i)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = digest(path)
    with pytest.raises(DamagedStore) as refused:
        ResultsStore(path)
    assert "damaged" in str(refused.value) and "\n" not in str(refused.value)
    assert digest(path) == before and not (tmp_path / "s.sqlite-wal").exists()


@pytest.mark.parametrize(
    "content", [b"not a database at all" * 10, b"SQLite format 3\x00" + b"\x00" * 20]
)
def test_a_file_that_is_no_store_is_refused(tmp_path, content):
    path = tmp_path / "s.sqlite"
    path.write_bytes(content)
    with pytest.raises(DamagedStore):
        ResultsStore(path)
    assert path.read_bytes() == content


def test_another_programs_database_and_a_newer_version_are_refused(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = digest(foreign)
    with pytest.raises(DamagedStore, match="not a perf-waterfall/results-store"):
        ResultsStore(foreign)
    assert digest(foreign) == before
    newer = tmp_path / "newer.sqlite"
    ResultsStore(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE name = 'version'", (str(VERSION + 1),))
    with pytest.raises(UsageError, match=f"version {VERSION + 1}"):
        ResultsStore(newer)


def test_a_new_store_is_in_wal_mode_with_its_schema_version(tmp_path):
    ResultsStore(tmp_path / "s.sqlite").close()
    with sqlite3.connect(tmp_path / "s.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        meta = dict(conn.execute("SELECT name, value FROM meta"))
    assert meta == {"format": "perf-waterfall/results-store", "version": str(VERSION)}
    assert json.loads(json.dumps(meta))  # plain text a user can read with sqlite3


def test_cache_clear_forgets_log_and_bisect_rows_and_keeps_recorded_ones(tmp_path, capsys):
    from tests.helpers.cli import run_cli

    path = tmp_path / "results.sqlite"
    with ResultsStore(path) as store:
        store.add_rounds(setup(), SHA, "s1", "record", {"pipe": rounds(2)})
        store.add_rounds(setup(), SHA2, "s2", "cache", {"pipe": rounds(2)})
    code, out, err = run_cli(["cache", "clear", "--cache", tmp_path], capsys)
    assert code == 0, err
    assert "removed 1 measured commit(s) of log and bisect" in out
    with ResultsStore(path) as store:
        assert store.recorded(setup()) == {SHA}


def test_rows_kept_under_an_older_machine_description_are_still_found(tmp_path):
    path = tmp_path / "s.sqlite"
    with ResultsStore(path) as store:
        store.add_rounds(setup(), SHA, "s1", "record", {"pipe": rounds(2)})
    with sqlite3.connect(path) as conn:  # a field MachineInfo lost, one it does not know yet
        (text,) = conn.execute("SELECT machine FROM setups").fetchone()
        machine = json.loads(text)
        del machine["pyzmq"]
        machine["keep_awake"] = "on"
        conn.execute("UPDATE setups SET machine = ?", (json.dumps(machine),))
    with ResultsStore(path) as store:
        ((_, back),) = store.setups()
        assert back.machine.pyzmq is None and back.machine.keep_awake == "on"
        assert len(store.rounds(back, SHA)["pipe"]) == 2
        assert setup().fingerprint == setup(MACHINE).fingerprint != setup(OTHER).fingerprint
