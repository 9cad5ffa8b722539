"""The per-vault index under ``VAULT/.kg/``: one SQLite file, written in one transaction per run.

SQLite in WAL mode gives what the index needs without a server: a run that is killed leaves the
previous index intact, readers never block the writer, and a writer lock file keeps writers
one at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..errors import IndexBusy, IndexMissing

SCHEMA_VERSION = "7"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    status TEXT NOT NULL, reason TEXT, aliases TEXT NOT NULL DEFAULT '[]', ntype TEXT NOT NULL DEFAULT '',
    repairs TEXT NOT NULL DEFAULT '[]',
    record TEXT,
    graph_key TEXT NOT NULL DEFAULT ''  -- changes whenever the note's named graph and passages are rewritten
);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    source TEXT NOT NULL, line INTEGER NOT NULL, raw TEXT NOT NULL, target_text TEXT NOT NULL,
    heading TEXT, block TEXT, alias TEXT, embed INTEGER NOT NULL, kind TEXT NOT NULL, context TEXT NOT NULL,
    target TEXT, how TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS links_source ON links(source);
CREATE INDEX IF NOT EXISTS links_target ON links(target);
CREATE TABLE IF NOT EXISTS passages (
    row INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL,
    end_line INTEGER NOT NULL, heading TEXT NOT NULL, field TEXT NOT NULL, kinds TEXT NOT NULL, role TEXT,
    text TEXT NOT NULL, context TEXT NOT NULL, about TEXT NOT NULL, affects TEXT NOT NULL, involves TEXT NOT NULL,
    direction TEXT, cost TEXT, sources TEXT NOT NULL, author TEXT NOT NULL, weight REAL NOT NULL,
    topic TEXT, position INTEGER NOT NULL, origin TEXT NOT NULL, digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_path ON passages(path);
CREATE INDEX IF NOT EXISTS passages_id ON passages(id);
CREATE TABLE IF NOT EXISTS passage_concepts (
    concept TEXT NOT NULL, rel TEXT NOT NULL, row INTEGER NOT NULL, kinds TEXT NOT NULL, field TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passage_concepts_concept ON passage_concepts(concept);
CREATE INDEX IF NOT EXISTS passage_concepts_row ON passage_concepts(row);
CREATE TABLE IF NOT EXISTS passage_graveyard (row INTEGER PRIMARY KEY);  -- deleted since the search base
CREATE TABLE IF NOT EXISTS relations (path TEXT NOT NULL, src TEXT NOT NULL, rel TEXT NOT NULL, dst TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS relations_src ON relations(src);
CREATE INDEX IF NOT EXISTS relations_dst ON relations(dst);
CREATE INDEX IF NOT EXISTS relations_path ON relations(path);
CREATE TABLE IF NOT EXISTS graph_journal (graph TEXT PRIMARY KEY, ntriples TEXT NOT NULL);  -- graph/journal.py
"""


def kg_dir(root: Path) -> Path:
    return root / ".kg"


def db_path(root: Path) -> Path:
    return kg_dir(root) / "index.sqlite"


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] != int(SCHEMA_VERSION):
            # An index written by another version of kg: it is rebuilt from the notes.
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                if table == "sqlite_sequence":  # SQLite's own (AUTOINCREMENT counters): emptied, never dropped
                    conn.execute("DELETE FROM sqlite_sequence")
                elif not table.startswith("sqlite_"):
                    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
            conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")
        conn.executescript(_SCHEMA)
    conn.row_factory = sqlite3.Row
    return conn


@contextlib.contextmanager
def reader(root: Path) -> Iterator[sqlite3.Connection]:
    path = db_path(root)
    if not path.exists():
        raise IndexMissing(f"{root} has no index yet: run `kg index`")
    conn = _connect(path, readonly=True)
    if conn.execute("PRAGMA user_version").fetchone()[0] != int(SCHEMA_VERSION):
        conn.close()
        raise IndexMissing(f"the index of {root} was written by another version of kg: run `kg index`")
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold ``.kg/lock``, the one writer's lock, or raise ``IndexBusy`` at once."""
    folder = kg_dir(root)
    folder.mkdir(exist_ok=True)
    lock = open(folder / "lock", "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"another `kg` process is indexing {root} (lock: {folder / 'lock'})") from None
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@contextlib.contextmanager
def transaction(root: Path, after_commit=None) -> Iterator[sqlite3.Connection]:
    """One write transaction, everything or nothing; the caller holds the lock. ``after_commit(conn)`` runs
    once it committed (the connection then in autocommit mode)."""
    conn = _connect(db_path(root), readonly=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
        if after_commit is not None:
            after_commit(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


@contextlib.contextmanager
def writer(root: Path, after_commit=None) -> Iterator[sqlite3.Connection]:
    """The single writer: holds ``.kg/lock`` and commits everything or nothing (``after_commit`` still under
    the lock)."""
    with locked(root), transaction(root, after_commit) as conn:
        yield conn


def get_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {row["key"]: row["value"] for row in conn.execute("SELECT key, value FROM meta")}


def set_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(values.items()))


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def exists(root: Path) -> bool:
    return os.path.exists(db_path(root))
