"""The store's tables, as SQL, and the version they carry (docs/results-store.md).

Schema changes (bump VERSION, add a line, and teach ``migrate`` the step):
  1  first version: setups, commits, rounds (document and summary), listed, failures.
"""

from __future__ import annotations

FORMAT = "perf-waterfall/results-store"
VERSION = 1

TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS setups (
    id          INTEGER PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    harness     TEXT NOT NULL,
    setup       TEXT,
    frames      INTEGER NOT NULL,
    warmup      INTEGER NOT NULL,
    machine     TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS commits (
    sha     TEXT PRIMARY KEY,
    short   TEXT NOT NULL,
    date    TEXT NOT NULL,
    subject TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    id          INTEGER PRIMARY KEY,
    setup_id    INTEGER NOT NULL REFERENCES setups(id),
    sha         TEXT NOT NULL,
    scenario    TEXT NOT NULL,
    session     TEXT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('record', 'import', 'cache')),
    recorded_at TEXT NOT NULL,
    document    BLOB NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rounds_by_commit ON rounds (setup_id, sha, scenario);
CREATE TABLE IF NOT EXISTS listed (
    setup_id  INTEGER NOT NULL REFERENCES setups(id),
    sha       TEXT NOT NULL,
    scenarios TEXT NOT NULL,
    PRIMARY KEY (setup_id, sha)
);
CREATE TABLE IF NOT EXISTS failures (
    setup_id   INTEGER NOT NULL REFERENCES setups(id),
    sha        TEXT NOT NULL,
    invocation TEXT NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (setup_id, sha)
);
"""
