"""Opening the store's SQLite file: created when absent, refused when damaged, never repaired.

A file that is there but is not a whole store of a version we know (a truncated copy,
another program's database, a newer perf-waterfall's store) is refused with one line
and left exactly as it is: it may be the only copy of months of history, so nothing
here writes to it, not even the WAL switch (WAL is set once, when the file is made).
Writers wait for each other (a long busy timeout, ``BEGIN IMMEDIATE``), so two
``record`` processes at once both land every row.
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perfwaterfall.errors import UsageError
from perfwaterfall.results.schema import FORMAT, TABLES, VERSION

MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
BUSY_TIMEOUT_S = 120.0  # a writer holds the lock for one commit's rows: milliseconds


class DamagedStore(UsageError):
    """The store file cannot be trusted; it is left untouched."""


def connect(path: Path) -> sqlite3.Connection:
    """The store at ``path``, made if absent (with its parent directory)."""
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot make the store's directory {path.parent}: {exc.strerror}"
            ) from None
    with _creation_lock(path):
        return _connect(path)


@contextmanager
def _creation_lock(path: Path) -> Iterator[None]:
    """Whether the file is new and making it happen under one lock (a file beside the
    store), so a second first writer never sees a file whose tables are not there yet."""
    try:
        handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115
    except OSError:
        yield  # a read-only directory: nobody can be creating the store in it
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _connect(path: Path) -> sqlite3.Connection:
    fresh = not path.exists() or path.stat().st_size == 0
    if not fresh:
        check_header(path)
    mode = "rwc" if fresh else "rw"
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise UsageError(f"cannot open the results store {path}: {exc}") from None
    try:
        if fresh:
            _create(conn, path)
        check_version(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise failed(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _create(conn: sqlite3.Connection, path: Path) -> None:
    """WAL and the tables, once (under the creation lock; a reader of another store
    may still hold the file, so switching to WAL is tried again for a while)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    with transaction(conn, path):
        for statement in filter(str.strip, TABLES.split(";")):
            conn.execute(statement)  # IF NOT EXISTS: the other first writer may be done
        conn.execute(
            "INSERT OR IGNORE INTO meta VALUES ('format', ?), ('version', ?)",
            (FORMAT, str(VERSION)),
        )


def _busy(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


def failed(path: Path, exc: sqlite3.Error) -> UsageError:
    """A lock held too long is not damage: say which it is."""
    if _busy(exc):
        return UsageError(
            f"{path}: the results store stayed locked by another writer for "
            f"{BUSY_TIMEOUT_S:g} s ({exc}); try again"
        )
    return damaged(path, str(exc))


@contextmanager
def transaction(conn: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """One write, all or nothing, with the write lock taken up front (no upgrade deadlock)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as exc:
        raise failed(path, exc) from None
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise failed(path, exc) from None


def damaged(path: Path, why: str) -> DamagedStore:
    return DamagedStore(
        f"{path}: the results store is damaged ({why}); it was left untouched: "
        "restore it from a copy, or name another file with --store"
    )


def check_header(path: Path) -> None:
    """The header says how many pages the file holds: fewer bytes means it was cut short."""
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
        size = path.stat().st_size
    except OSError as exc:
        raise UsageError(f"cannot read the results store {path}: {exc.strerror}") from None
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise damaged(path, "not an SQLite database, or its header is cut short")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    pages_valid = header[92:96] == header[24:28]  # the count is current (SQLite's rule)
    if pages_valid and pages and size < pages * page_size:
        raise damaged(path, f"{size} bytes where its header counts {pages * page_size}")


def check_version(conn: sqlite3.Connection, path: Path) -> None:
    try:
        rows = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        rows = {}
    if rows.get("format") != FORMAT:
        raise damaged(path, f"not a {FORMAT} file")
    version = rows.get("version", "")
    if version != str(VERSION):
        raise UsageError(
            f"{path}: results store version {version}, this perf-waterfall reads version "
            f"{VERSION}; it was left untouched"
        )
