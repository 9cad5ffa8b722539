"""Each note's named graph kept beside the store, in the index: its N-Triples, zstd-compressed, under the
note's ``graph_key`` (table ``note_graphs``).

Readers of every note's graph (``kg check``, ``kg export``) paid most of their time in Oxigraph: at 10,000
notes ~4.8 ms a note to write one graph's N-Triples (each term looked up by its hash), ~48 s of CPU. The
index makes that text anyway (the bulk loader's N-Quads, the journal's N-Triples), so the graph workers also
keep it compressed (zstd level 1: 28x smaller, ~8 KiB a note; ~0.2 ms to compress, ~0.2 ms to read back;
zlib's fastest level was 17x for 0.7 and 0.4 ms), written in the index's transaction beside the note's
``graph_key``. A copy is used only under the key the reader expects: a note whose graph an older ``kg``
rewrote, or one written before this table, is read from the store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

LEVEL = 1  # zstd: 0.16 ms a note to compress at 28x; level 3 was 30x for 0.20 ms


def pack(rdf: bytes | str, graph: str | None = None) -> bytes:
    """A note's graph (each triple once) as stored: ``rdf`` its N-Triples, or its N-Quads with ``graph`` (the
    note's IRI in N-Triples form, ``<…>``), which every line ends with and which is dropped from them."""
    import zstandard

    data = rdf.encode() if isinstance(rdf, str) else rdf
    if graph is not None:  # a line's end is its only " <graph> .\n": a literal holds no raw newline
        data = data.replace(f" {graph} .\n".encode(), b" .\n")
    return zstandard.ZstdCompressor(level=LEVEL).compress(data)


def put(conn, rows: Iterable[tuple[str, str, bytes | None]]) -> None:
    """Keep (path, graph_key, packed graph) of these notes; a None graph drops the note's copy."""
    rows = list(rows)
    conn.executemany("DELETE FROM note_graphs WHERE path = ?", [(p,) for p, _, data in rows if data is None])
    conn.executemany("INSERT OR REPLACE INTO note_graphs (path, graph_key, ntriples) VALUES (?, ?, ?)",
                     [r for r in rows if r[2] is not None])


def clear(conn) -> None:
    conn.execute("DELETE FROM note_graphs")


def drop(conn, paths: Iterable[str]) -> None:
    conn.executemany("DELETE FROM note_graphs WHERE path = ?", [(p,) for p in paths])


def read(conn, path: str, graph_key: str) -> bytes | None:
    """The note's N-Triples if a copy is kept under ``graph_key``, else None."""
    if not graph_key:
        return None
    try:
        row = conn.execute("SELECT ntriples FROM note_graphs WHERE path = ? AND graph_key = ?",
                           (path, graph_key)).fetchone()
    except sqlite3.OperationalError:  # an index written before this table: every graph is read from the store
        return None
    return unpack(row[0]) if row else None


def unpack(stored: bytes) -> bytes | None:
    """The N-Triples of a copy as ``pack`` stored it; None for one this version cannot read (the store has it)."""
    import zstandard

    try:
        return zstandard.ZstdDecompressor().decompress(stored)
    except zstandard.ZstdError:
        return None


def graph_source(root: Path, graph) -> Callable[[str], bytes]:
    """IRI → that named graph's N-Triples (safe from several threads). For the embedded store holding the
    state the index last committed, a note's graph is its copy under the note's current key (any other graph,
    or a note without one, the store's); for a server, or a store at another state, always the store's."""
    from ..layout import index_db
    from ..store.sqlite import read_only
    from .build import note_iri
    from .store import LocalGraph

    if not isinstance(graph, LocalGraph):
        return graph.graph_ntriples
    conn = read_only(index_db(root), check_same_thread=False, isolation_level=None)
    conn.execute("BEGIN")  # one read: the keys and the state they belong to
    state = dict(conn.execute("SELECT key, value FROM meta WHERE key = 'graph_state'")).get("graph_state")
    keys = {note_iri(p).value: (p, k) for p, k in conn.execute(
        "SELECT path, graph_key FROM notes WHERE record IS NOT NULL")}
    conn.execute("COMMIT")
    if state is None or not graph.marked(state):
        conn.close()
        return graph.graph_ntriples

    def read_graph(iri: str) -> bytes:
        found = keys.get(iri)
        data = read(conn, *found) if found else None
        return graph.graph_ntriples(iri) if data is None else data

    return read_graph
