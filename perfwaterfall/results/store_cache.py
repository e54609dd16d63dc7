"""The measurement cache of ``log`` and ``bisect``, kept in the results store.

It answers as ``history/cache.py``'s ``MeasurementCache`` does (same methods, same
sessions, failures kept for the invocation that saw them), so the history code is
unchanged; the rows go to the store, where ``record`` and ``store import`` put theirs,
and a commit recorded once is measured by neither again. A commit only the old
per-commit JSON cache holds is read from there once and moved into the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from perfwaterfall.history.cache import CacheKey, CommitEntry, MeasurementCache, TaggedRound
from perfwaterfall.protocol.document import RoundResult
from perfwaterfall.results.rows import Origin, Setup
from perfwaterfall.results.store import ResultsStore


def setup_of(key: CacheKey) -> Setup:
    return Setup(key.harness, key.setup, key.frames, key.warmup, key.machine)


class StoreCache(MeasurementCache):
    """A cache whose rows live in ``store`` under ``key``'s setup, tagged ``origin``."""

    def __init__(
        self, store: ResultsStore, root: Path, key: CacheKey, origin: Origin = "cache"
    ) -> None:
        super().__init__(root, key)
        self.store = store
        self.setup = setup_of(key)
        self.origin: Origin = origin
        self._seen: dict[str, CommitEntry] = {}  # history asks for a commit many times

    def get(self, sha: str) -> CommitEntry:
        if sha not in self._seen:
            self._seen[sha] = self._entry(sha)
        entry = self._seen[sha]
        return CommitEntry(entry.sha, dict(entry.rounds), entry.listed, entry.failure)

    def _entry(self, sha: str) -> CommitEntry:
        rounds = self.store.rounds(self.setup, sha)
        if not rounds and self._path(sha).exists():
            legacy = super().get(sha)
            for name, tagged in legacy.rounds.items():
                by_session: dict[str, list[RoundResult]] = {}
                for t in tagged:
                    by_session.setdefault(t.session, []).append(t.result)
                for session, results in by_session.items():
                    self.store.add_rounds(self.setup, sha, session, "cache", {name: results})
            rounds = self.store.rounds(self.setup, sha)
        return CommitEntry(
            sha=sha,
            rounds={
                name: [TaggedRound(session, result) for session, result in tagged]
                for name, tagged in rounds.items()
            },
            listed=self.store.listed(self.setup, sha),
            failure=self.store.failure(self.setup, sha, self.invocation),
        )

    def add(
        self,
        sha: str,
        session: str,
        rounds: Mapping[str, Sequence[RoundResult]],
        listed: Sequence[str] = (),
    ) -> None:
        self._seen.pop(sha, None)
        self.store.add_rounds(self.setup, sha, session, self.origin, rounds, listed)

    def fail(self, sha: str, message: str) -> None:
        self._seen.pop(sha, None)
        self.store.fail(self.setup, sha, self.invocation, message)
