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
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import IndexBusy, IndexDamaged, IndexMissing
from ..layout import index_db, kg_dir, lock_file

SCHEMA_VERSION = "8"  # 8: the learned vocabulary (terms)

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
DROP INDEX IF EXISTS passage_concepts_concept;  -- the one below starts with concept
-- a concept's claims of a relation (reason/cells.py own_rows) and the links table (index/links.py) read from the
-- index alone: a comparison of hub methods read a table row per claim, 14-20% of its time at 10,000 notes
CREATE INDEX IF NOT EXISTS passage_concepts_cover ON passage_concepts(concept, field, rel, row, kinds);
CREATE INDEX IF NOT EXISTS passage_concepts_row ON passage_concepts(row);
CREATE TABLE IF NOT EXISTS claim_order (  -- reason/cells.py: each claim's place in a comparison's cells
    row INTEGER PRIMARY KEY, nav INTEGER NOT NULL, ork TEXT NOT NULL, skey INTEGER NOT NULL, dkey INTEGER NOT NULL,
    ckey INTEGER, path TEXT NOT NULL, id TEXT NOT NULL, kinds TEXT NOT NULL, direction TEXT,
    affects TEXT NOT NULL,  -- a JSON array
    has_sources INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS passage_graveyard (row INTEGER PRIMARY KEY);  -- deleted since the search base
CREATE TABLE IF NOT EXISTS relations (path TEXT NOT NULL, src TEXT NOT NULL, rel TEXT NOT NULL, dst TEXT NOT NULL);
DROP INDEX IF EXISTS relations_src;  -- the one below starts with src
CREATE INDEX IF NOT EXISTS relations_src_rel ON relations(src, rel, path, dst);  -- a source's label: one seek
CREATE INDEX IF NOT EXISTS relations_dst ON relations(dst);
CREATE INDEX IF NOT EXISTS relations_path ON relations(path);
CREATE TABLE IF NOT EXISTS terms (  -- the vault's own vocabulary (index/terms.py)
    key TEXT NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL,
    end_line INTEGER NOT NULL, lang TEXT NOT NULL, partner TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS terms_key ON terms(key);
CREATE INDEX IF NOT EXISTS terms_path ON terms(path);
CREATE INDEX IF NOT EXISTS notes_answer ON notes(json_extract(record, '$.frontmatter.kg'));  -- saved answers
CREATE TABLE IF NOT EXISTS reason_contrib (  -- reason/store.py: each note's station edges …
    path TEXT NOT NULL, u TEXT NOT NULL, v TEXT NOT NULL, cost REAL NOT NULL, payload TEXT NOT NULL, count INTEGER NOT NULL
);
DROP INDEX IF EXISTS reason_contrib_edge;  -- (u, v): summing an edge then read every claim's row from the table
CREATE INDEX IF NOT EXISTS reason_contrib_best ON reason_contrib(u, v, cost, count);  -- an edge's sum from the index
CREATE INDEX IF NOT EXISTS reason_contrib_path ON reason_contrib(path);
CREATE TABLE IF NOT EXISTS reason_edges (  -- … summed over the notes, one row per direction …
    u TEXT NOT NULL, v TEXT NOT NULL, w REAL NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (u, v)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reason_edges_weight ON reason_edges(u, w, v);  -- a station's edges, cheapest first
CREATE TABLE IF NOT EXISTS reason_degree (node TEXT PRIMARY KEY, degree INTEGER NOT NULL) WITHOUT ROWID;  -- … degrees
CREATE TABLE IF NOT EXISTS shape_results (  -- kg check's SHACL results per note (service/checking.py)
    path TEXT PRIMARY KEY, key TEXT NOT NULL, context TEXT NOT NULL, pointed TEXT NOT NULL, results TEXT NOT NULL,
    shared TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS graph_journal (graph TEXT PRIMARY KEY, ntriples TEXT NOT NULL);  -- graph/journal.py
CREATE TABLE IF NOT EXISTS note_graphs (  -- each note's graph as compressed N-Triples (graph/copies.py)
    path TEXT PRIMARY KEY, graph_key TEXT NOT NULL, ntriples BLOB NOT NULL
);
"""


def damaged(root: Path, why: str) -> IndexDamaged:
    """The error for a damaged index file; ``why`` (kept as ``.why``) names the file and the damage."""
    error = IndexDamaged(f"the index of {root} is damaged ({why}): run `kg index --rebuild`")
    error.why = why
    return error


def damage(path: Path) -> str | None:
    """Why the SQLite file at ``path`` cannot be whole (None when it may be, or is absent): empty, not an
    SQLite file, or shorter than the pages its header counts (a truncated copy, a full disk). Reads the
    100-byte header only: checking every page costs seconds on a large index."""
    try:
        size, header = _header(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path.name} cannot be read: {exc.strerror or exc}"
    if size == 0:
        return f"{path.name} is empty"
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return f"{path.name} is not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # the header's page count is valid and the file is shorter: cut short. (With a write-ahead log, a checkpoint
    # killed half-way may leave the file short of its header's count until SQLite finishes it: not checked then.)
    wal = Path(f"{path}-wal")
    if header[92:96] == header[24:28] and pages * page_size > size and not (wal.exists() and wal.stat().st_size):
        return f"{path.name} is cut short ({size:,} of {pages * page_size:,} bytes)"
    return None


_OPEN: dict[str, tuple[int, int, int]] = {}  # path → (descriptor, device, inode) of the files _header read


def _header(path: Path) -> tuple[int, bytes]:
    """(size, first 100 bytes) of the file at ``path``, read through a descriptor this process keeps open.

    Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included: a
    ``kg serve`` checking the index before each reader released its connections' shared locks, so the next
    ``kg index`` to close believed itself the last user, deleted the write-ahead log and its shared memory
    under the server's connections, and the server read a malformed database from then on (SQLite's
    "How To Corrupt", 2.2). A file replaced since (a new inode) is opened again; the old descriptor closes."""
    key = os.fspath(path)
    st = os.stat(key)
    held = _OPEN.get(key)
    if held is None or held[1:] != (st.st_dev, st.st_ino):
        fd = os.open(key, os.O_RDONLY | os.O_CLOEXEC)
        found = os.fstat(fd)
        _OPEN[key] = (fd, found.st_dev, found.st_ino)
        if held is not None:
            os.close(held[0])  # its inode is gone from the folder: no lock of a live index file is dropped
        held = _OPEN[key]
    return os.fstat(held[0]).st_size, os.pread(held[0], 100, 0)


def read_only(path: Path | str, **options) -> sqlite3.Connection:
    """A read-only connection to the SQLite file ``path`` (its URI percent-encoded: a vault in a folder named
    "C# notes" or "why?" opens its own index, not a file named by the path's start)."""
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, **{"timeout": 30, **options})


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    why = damage(path)
    if why:
        raise damaged(path.parent.parent, why)
    if readonly:
        conn = read_only(path)
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
        _drop_old_layouts(conn)
        conn.executescript(_SCHEMA)
    conn.row_factory = sqlite3.Row
    return conn


# tables whose layout changed within this schema version, by a column the new layout has: dropped and made anew
# (empty); what fills them is versioned with it (claim_order: REASON_VERSION 3, so the next kg index re-extracts)
_LAYOUTS = {"claim_order": "has_sources"}


def _drop_old_layouts(conn: sqlite3.Connection) -> None:
    for table, column in _LAYOUTS.items():
        columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if columns and column not in columns:
            conn.execute(f'DROP TABLE "{table}"')


_INDEX = re.compile(r"^CREATE INDEX IF NOT EXISTS (\w+) ON (\w+)\(.*?\);", re.MULTILINE)


@contextlib.contextmanager
def indexes_suspended(conn: sqlite3.Connection, tables: Sequence[str]) -> Iterator[None]:
    """Within the block the secondary indexes of ``tables`` (as ``_SCHEMA`` declares them) are dropped, and made
    again from the rows at its end: a bulk write appends rows, where each row inserted at its place in every
    index of a large table cost a B-tree descent (the graph stage's rows of 2,000 notes: 4.8 s -> 2.9 s). In the
    caller's transaction: rolled back, the indexes are back as they were. Nothing in the block may read these
    tables by an index it dropped."""
    statements = [m for m in _INDEX.finditer(_SCHEMA) if m.group(2) in tables]
    for m in statements:
        conn.execute(f'DROP INDEX IF EXISTS "{m.group(1)}"')
    yield
    for m in statements:
        conn.execute(m.group(0))


def open_reader(root: Path) -> sqlite3.Connection:
    """A read-only connection to the index (the caller closes it); ``IndexMissing`` when there is none of
    this kg's schema, ``IndexDamaged`` when it is damaged."""
    path = index_db(root)
    if not path.exists():
        raise IndexMissing(f"{root} has no index yet: run `kg index`")
    conn = _connect(path, readonly=True)
    if _version(conn, root) != int(SCHEMA_VERSION):
        conn.close()
        raise IndexMissing(f"the index of {root} was written by another version of kg: run `kg index`")
    return conn


IN_CHUNK = 500  # values bound in one "IN (…)" (SQLite builds before 3.32 allow 999 variables a statement)


def select_in(conn: sqlite3.Connection | sqlite3.Cursor, sql: str, values: Sequence, before: Sequence = ()) -> Iterator:
    """The rows of ``sql`` for all of ``values``: ``sql`` holds ``{}`` where the ``?,?,…`` of an ``IN (…)`` go, and
    runs once per ``IN_CHUNK`` values, with the parameters ``before`` ahead of them."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])


@contextlib.contextmanager
def reader(root: Path) -> Iterator[sqlite3.Connection]:
    conn = open_reader(root)
    try:
        yield conn
    finally:
        conn.close()


def _version(conn: sqlite3.Connection, root: Path) -> int:
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(root, f"index.sqlite: {exc}") from None


def start_over(root: Path) -> None:
    """Delete a damaged index file (and its write-ahead log), under the writer's lock: the next transaction
    starts an empty index, which the run fills from the notes."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{index_db(root)}{suffix}")


_HELD: set[int] = set()  # file descriptors of the writer locks this process holds


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold ``.kg/lock``, the one writer's lock, or raise ``IndexBusy`` at once."""
    folder = kg_dir(root)
    folder.mkdir(exist_ok=True)
    lock = open(lock_file(root), "a+")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"another `kg` process is indexing {root} (lock: {lock_file(root)})") from None
        _HELD.add(lock.fileno())
        yield
    finally:
        _HELD.discard(lock.fileno())
        with contextlib.suppress(OSError):
            fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def wait_for_writer(root: Path, seconds: float = 900.0) -> None:
    """Wait while another process holds the writer's lock (a first ``kg index`` that a second ``kg ask`` on a
    fresh vault would otherwise fail on); ``IndexBusy`` past ``seconds``."""
    import time

    path = kg_dir(root) / "lock"
    if not path.exists():
        return
    end = time.monotonic() + seconds
    with open(path, "a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                return
            except BlockingIOError:
                if time.monotonic() > end:
                    raise IndexBusy(f"another `kg` process has been indexing {root} for over {seconds:.0f} s "
                                    f"(lock: {path})") from None
                time.sleep(0.1)


def release_inherited() -> None:
    """In a forked worker: close its copies of the writer locks the parent holds. A flock belongs to every
    copy of its file descriptor, so a parse worker outliving a killed ``kg index`` kept the vault locked
    and the next ``kg index`` refused to start; closed here, the lock dies with the parent. The worker also ends
    when the parent does (``runtime.exit_with_parent``)."""
    from ..runtime import exit_with_parent

    exit_with_parent()
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


@contextlib.contextmanager
def transaction(root: Path, after_commit=None) -> Iterator[sqlite3.Connection]:
    """One write transaction, everything or nothing; the caller holds the lock. ``after_commit(conn)`` runs
    once it committed (the connection then in autocommit mode)."""
    conn = _connect(index_db(root), readonly=False)
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
def writer(root: Path, after_commit=None, fresh: bool = False) -> Iterator[sqlite3.Connection]:
    """The single writer: holds ``.kg/lock`` and commits everything or nothing (``after_commit`` still under
    the lock); ``fresh`` deletes the index file first (``start_over``)."""
    with locked(root):
        if fresh:
            start_over(root)
        with transaction(root, after_commit) as conn:
            yield conn


def get_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {row["key"]: row["value"] for row in conn.execute("SELECT key, value FROM meta")}


def set_meta(conn: sqlite3.Connection, values: dict[str, str]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(values.items()))


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def exists(root: Path) -> bool:
    return os.path.exists(index_db(root))
