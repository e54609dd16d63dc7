"""Measurements kept by commit, so a repeated bisect or log measures nothing twice.

One directory per key (the harness, frames, warm-up and the machine: what makes two
measurements of a commit comparable), one JSON file per commit in it. Each round is
kept with the *session* it was measured in (one ``measure`` call): rounds of two
commits from the same session were interleaved, and are paired by that (pairing.py).
A commit whose harness failed is kept as a failure, so the same bisect or log does
not run it again; a later invocation tries it once more (a harness can fail for a
reason that has passed, and a failure is not a measurement to keep).

Files are data from disk: every round is validated on load as a results document
is, and a file that is not one is a clear error that names ``cache clear``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfwaterfall.errors import InvalidDocument
from perfwaterfall.history.location import STORE_NAME
from perfwaterfall.protocol.document import RoundResult
from perfwaterfall.protocol.loading import loads_json
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.protocol.sanitize import shown
from perfwaterfall.store.atomic import write_atomically
from perfwaterfall.store.bundle import MAX_BUNDLE_BYTES
from perfwaterfall.store.machine import MachineInfo

FORMAT = "perf-waterfall/history-cache@1"


@dataclass(frozen=True)
class CacheKey:
    """What must agree for two measurements of one commit to be pooled."""

    harness: tuple[str, ...]
    setup: tuple[str, ...] | None
    frames: int
    warmup: int
    machine: MachineInfo

    def to_dict(self) -> dict[str, Any]:
        return {
            "harness": list(self.harness),
            "setup": None if self.setup is None else list(self.setup),
            "frames": self.frames,
            "warmup": self.warmup,
            "machine": {**self.machine.to_dict(), "host": platform.node()},
        }

    def digest(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TaggedRound:
    session: str
    result: RoundResult


@dataclass
class CommitEntry:
    """Everything kept of one commit: rounds per scenario, or why its harness failed."""

    sha: str
    rounds: dict[str, list[TaggedRound]]
    listed: tuple[str, ...] = ()  # the scenarios a run without -s measured at this commit
    failure: str | None = None


class MeasurementCache:
    def __init__(self, root: Path, key: CacheKey) -> None:
        self.root = root
        self.key = key
        self.directory = root / key.digest()
        self.invocation = uuid.uuid4().hex  # whose failures count (see the docstring)

    def _path(self, sha: str) -> Path:
        return self.directory / f"{sha}.json"

    def get(self, sha: str) -> CommitEntry:
        path = self._path(sha)
        if not path.exists():
            return CommitEntry(sha=sha, rounds={})
        return _load(path, sha, self.invocation)

    def add(
        self,
        sha: str,
        session: str,
        rounds: Mapping[str, Sequence[RoundResult]],
        listed: Sequence[str] = (),
    ) -> None:
        entry = self.get(sha)
        for name, results in rounds.items():
            kept = entry.rounds.setdefault(name, [])
            kept.extend(TaggedRound(session, r) for r in results)
        if listed:
            entry.listed = tuple(listed)
        entry.failure = None
        self._write(entry)

    def fail(self, sha: str, message: str) -> None:
        entry = self.get(sha)
        entry.failure = message
        self._write(entry)

    def _write(self, entry: CommitEntry) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "key": self.key.to_dict(),
            "sha": entry.sha,
            "listed": list(entry.listed),
            "failure": entry.failure,
            "failed_in": None if entry.failure is None else self.invocation,
            "rounds": {
                name: [{"session": t.session, "result": t.result.to_dict()} for t in tagged]
                for name, tagged in entry.rounds.items()
            },
        }
        write_atomically(self._path(entry.sha), json.dumps(data, allow_nan=False) + "\n")


def clear(root: Path) -> int:
    """Remove every cached measurement under ``root``; how many commits were kept there."""
    if not root.is_dir():
        return 0
    count = sum(1 for _ in root.glob("*/*.json"))
    for child in root.iterdir():
        if child.name.startswith(STORE_NAME):
            continue  # the results store (and its -wal): recorded history is not a cache
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return count


def _load(path: Path, sha: str, invocation: str) -> CommitEntry:
    where = f"{path} (clear it with: perf-waterfall cache clear)"
    try:
        data = loads_json(path.read_bytes(), where, limit=MAX_BUNDLE_BYTES)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidDocument(f"{where}: not a {FORMAT} file")
        failure = data.get("failure") if data.get("failed_in") == invocation else None
        return CommitEntry(
            sha=sha,
            rounds={
                name: [
                    TaggedRound(str(t["session"]), parse_results(t["result"], where))
                    for t in tagged
                ]
                for name, tagged in dict(data["rounds"]).items()
            },
            listed=tuple(str(n) for n in data.get("listed", [])),
            failure=None if failure is None else shown(str(failure)),
        )
    except OSError as exc:
        raise InvalidDocument(f"{where}: cannot be read ({exc.strerror})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidDocument(f"{where}: malformed ({exc})") from None
