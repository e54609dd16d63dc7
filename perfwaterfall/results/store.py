"""The results store: rounds by commit under a *setup* (harness, settings, machine).

Every round is kept whole (its results document: stages, parts, every frame) beside
a summary of medians (frame, each stage, each part) that the dashboard reads without
parsing documents. Each round carries its session (rounds of one session were
interleaved, so they pair) and its origin: ``record``, ``import`` or ``cache`` (measured
by log or bisect, and forgotten by ``cache clear``). The schema: docs/results-store.md.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfwaterfall.analysis.comparison import summarize_round
from perfwaterfall.errors import InvalidDocument
from perfwaterfall.protocol.document import RoundResult
from perfwaterfall.protocol.loading import loads_json
from perfwaterfall.protocol.parsing import parse_results
from perfwaterfall.results.db import connect, failed, transaction
from perfwaterfall.results.rows import Origin, Setup, StoredCommit, Summary, machine_of


class ResultsStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = connect(path)

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ writing

    def add_rounds(
        self,
        setup: Setup,
        sha: str,
        session: str,
        origin: Origin,
        rounds: Mapping[str, Sequence[RoundResult]],
        listed: Sequence[str] = (),
    ) -> None:
        """The rounds of one commit, all in one transaction (a crash keeps all or none)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [
            (sha, name, session, origin, now, _packed(r), _dumps(_summary(r)))
            for name, results in rounds.items()
            for r in results
        ]
        with self._write() as conn:
            setup_id = self._setup_id(conn, setup)
            conn.executemany(
                "INSERT INTO rounds (setup_id, sha, scenario, session, origin, recorded_at, "
                "document, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(setup_id, *row) for row in rows],
            )
            if listed:
                conn.execute(
                    "INSERT OR REPLACE INTO listed VALUES (?, ?, ?)",
                    (setup_id, sha, _dumps(list(listed))),
                )
            conn.execute("DELETE FROM failures WHERE setup_id = ? AND sha = ?", (setup_id, sha))

    def fail(self, setup: Setup, sha: str, invocation: str, message: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                (self._setup_id(conn, setup), sha, invocation, message),
            )

    def note_commits(self, commits: Sequence[StoredCommit]) -> None:
        """What the dashboard labels a commit with (its subject, its date)."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?)",
                [(c.sha, c.short, c.date, c.subject) for c in commits],
            )

    def forget(self, origin: Origin) -> int:
        """Remove every round of ``origin``; how many commits had some."""
        with self._write() as conn:
            (count,) = conn.execute(
                "SELECT COUNT(DISTINCT setup_id || sha) FROM rounds WHERE origin = ?", (origin,)
            ).fetchone()
            conn.execute("DELETE FROM rounds WHERE origin = ?", (origin,))
            conn.execute("DELETE FROM failures")
        return int(count)

    # ------------------------------------------------------------------ reading

    def setups(self) -> list[tuple[int, Setup]]:
        rows = self._read("SELECT id, harness, setup, frames, warmup, machine, digest FROM setups")
        return [(int(r[0]), _setup(r)) for r in rows]

    def rounds(
        self, setup: Setup, sha: str, scenario: str | None = None
    ) -> dict[str, list[tuple[str, RoundResult]]]:
        """Per scenario (or of ``scenario`` only), (session, round) in the order stored."""
        out: dict[str, list[tuple[str, RoundResult]]] = {}
        query = (
            "SELECT r.scenario, r.session, r.document FROM rounds r JOIN setups s "
            "ON r.setup_id = s.id WHERE s.digest = ? AND r.sha = ?"
        )
        args: tuple[str, ...] = (setup.digest, sha)
        if scenario is not None:
            query, args = query + " AND r.scenario = ?", (*args, scenario)
        for name, session, document in self._read(query + " ORDER BY r.id", args):
            where = f"{self.path} (round of {sha[:12]})"
            try:
                text = zlib.decompress(document)
            except (zlib.error, TypeError) as exc:
                raise InvalidDocument(f"{where}: not a compressed document ({exc})") from None
            result = parse_results(loads_json(text, where), where)
            out.setdefault(str(name), []).append((str(session), result))
        return out

    def scenarios_of(self, setup: Setup, sha: str) -> set[str]:
        """The scenarios with rounds of ``sha`` under ``setup`` (no document is read)."""
        query = (
            "SELECT DISTINCT r.scenario FROM rounds r JOIN setups s ON r.setup_id = s.id "
            "WHERE s.digest = ? AND r.sha = ?"
        )
        return {str(r[0]) for r in self._read(query, (setup.digest, sha))}

    def recorded(
        self, setup: Setup, origins: Sequence[Origin] = ("record", "import", "cache")
    ) -> set[str]:
        """The commits with rounds of ``origins`` under ``setup``."""
        marks = ", ".join("?" for _ in origins)
        query = (
            "SELECT DISTINCT r.sha FROM rounds r JOIN setups s ON r.setup_id = s.id "
            f"WHERE s.digest = ? AND r.origin IN ({marks})"
        )
        return {str(r[0]) for r in self._read(query, (setup.digest, *origins))}

    def listed(self, setup: Setup, sha: str) -> tuple[str, ...]:
        query = (
            "SELECT l.scenarios FROM listed l JOIN setups s ON l.setup_id = s.id "
            "WHERE s.digest = ? AND l.sha = ?"
        )
        rows = self._read(query, (setup.digest, sha))
        return tuple(str(n) for n in json.loads(rows[0][0])) if rows else ()

    def failure(self, setup: Setup, sha: str, invocation: str) -> str | None:
        query = (
            "SELECT f.message FROM failures f JOIN setups s ON f.setup_id = s.id "
            "WHERE s.digest = ? AND f.sha = ? AND f.invocation = ?"
        )
        rows = self._read(query, (setup.digest, sha, invocation))
        return str(rows[0][0]) if rows else None

    def commits(self) -> dict[str, StoredCommit]:
        rows = self._read("SELECT sha, short, date, subject FROM commits")
        return {str(r[0]): StoredCommit(*(str(v) for v in r)) for r in rows}

    def summaries(self, setup_id: int) -> Iterator[Summary]:
        """Every round's medians under one setup, in the order stored."""
        query = "SELECT sha, scenario, summary FROM rounds WHERE setup_id = ? ORDER BY id"
        for sha, scenario, text in self._read(query, (setup_id,)):
            data = json.loads(text)
            yield Summary(
                sha=str(sha),
                scenario=str(scenario),
                frame_ms=float(data["frame"]),
                stages=tuple((str(n), float(v)) for n, v in data["stages"]),
                parts=tuple((tuple(str(p) for p in path), float(v)) for path, v in data["parts"]),
            )

    # ------------------------------------------------------------------ plumbing

    def _write(self) -> Any:
        return transaction(self.conn, self.path)

    def _read(self, query: str, args: Sequence[object] = ()) -> list[Any]:
        try:
            return self.conn.execute(query, tuple(args)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise failed(self.path, exc) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidDocument(f"{self.path}: malformed row ({exc})") from None

    def _setup_id(self, conn: sqlite3.Connection, setup: Setup) -> int:
        conn.execute(
            "INSERT OR IGNORE INTO setups (digest, harness, setup, frames, warmup, machine, "
            "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                setup.digest,
                _dumps(list(setup.harness)),
                None if setup.setup is None else _dumps(list(setup.setup)),
                setup.frames,
                setup.warmup,
                _dumps(setup.machine.to_dict()),
                setup.fingerprint,
            ),
        )
        (setup_id,) = conn.execute(
            "SELECT id FROM setups WHERE digest = ?", (setup.digest,)
        ).fetchone()
        return int(setup_id)


def _summary(result: RoundResult) -> dict[str, Any]:
    summary = summarize_round(result)
    return {
        "frame": summary.frame_ms,
        "stages": [[s.name, summary.stage_ms[s.name]] for s in result.stages],
        "parts": [[list(s.path), summary.substage_ms[s.path]] for s in result.substages],
    }


def _setup(row: Sequence[Any]) -> Setup:
    _, harness, setup, frames, warmup, machine, digest = row
    return Setup(
        harness=tuple(json.loads(harness)),
        setup=None if setup is None else tuple(json.loads(setup)),
        frames=int(frames),
        warmup=int(warmup),
        machine=machine_of(json.loads(machine)),
        stored=str(digest),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def _packed(result: RoundResult) -> bytes:
    """The document as zlib-compressed JSON: a round of 20 frames is 2.4 times smaller."""
    return zlib.compress(_dumps(result.to_dict()).encode(), 6)
