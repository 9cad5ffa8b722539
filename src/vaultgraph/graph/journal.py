"""One commit point for the index and the graph: the RDF store follows what the index commits.

A run that changes some graphs (notes', or the schema's on a server) does not touch the store before
its SQLite transaction commits. It writes each changed graph's new N-Triples (empty: the graph is
dropped) to the index's ``graph_journal`` table and counts ``graph_state`` one up, in that
transaction. Once it committed, ``sync`` applies the journal: SPARQL updates that each replace whole
graphs, so applying it again changes nothing. The store is marked with the state it holds — an empty
named graph ``<https://vaultgraph.dev/state/N>`` that the first update drops and the last creates — so
it carries a mark only while it holds exactly what the index says; ``graph_applied`` in the meta table
records the same for the writer, and for a SPARQL server (which need not keep empty graphs).

A run killed before its commit has not touched the store: readers see all of the old index and graph.
A run killed after it leaves a committed journal that the next one to open the store applies first —
the next writer, or a reader (``open_reader``) that finds the store unmarked and the writer's lock free
(a reader that finds the lock held waits: the writer applies its journal before it lets go) — so
readers see all of the new. A full local rebuild writes a new store folder, marked before the commit
names it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IndexBusy, VaultgraphError
from ..layout import GRAPH, index_db

if TYPE_CHECKING:  # only named here: a `kg index` with nothing to do never imports Oxigraph (service/unchanged.py)
    import pyoxigraph as ox

STATE = "https://vaultgraph.dev/state/"
BATCH = 100  # graphs per SPARQL update
WAIT = 60.0  # seconds a reader waits for a writer to apply what it committed


def ntriples(statements: Iterable[ox.Quad | ox.Triple]) -> str:
    """Triples (or quads, their graph names left out) as N-Triples lines."""
    return "".join(f"{getattr(s, 'triple', s)} .\n" for s in statements)


def record(conn, graphs: dict[str, str]) -> None:
    """Journal the new N-Triples of these graphs (IRI → text; empty drops the graph), in the run's transaction."""
    conn.executemany("INSERT OR REPLACE INTO graph_journal (graph, ntriples) VALUES (?, ?)", list(graphs.items()))


def next_state(conn, meta: dict[str, str]) -> str:
    """Start this run's change of the graph: the journal of the last one is done with (``sync`` applied it)."""
    conn.execute("DELETE FROM graph_journal")
    meta["graph_state"] = str(int(meta.get("graph_state") or 0) + 1)
    return meta["graph_state"]


def settled(meta: dict[str, str]) -> bool:
    return meta.get("graph_state") in (None, meta.get("graph_applied"))


def sync(root: Path, conn, meta: dict[str, str] | None = None) -> None:
    """Apply the committed journal to the store it was written for, when not done yet; ``meta`` (the
    caller's copy of the meta table, read from ``conn`` when None) is kept up to date."""
    from ..store.sqlite import get_meta, set_meta

    meta = get_meta(conn) if meta is None else meta
    if settled(meta):
        return
    state = meta["graph_state"]
    # the marks a store can hold: the last applied state's, or this one's when a run died before recording it
    # applied (every apply drops both; a bulk-loaded store holds the one state it was committed with)
    marks = tuple(dict.fromkeys(s for s in (meta.get("graph_applied"), state) if s))
    graph = _open_writable(root, meta)
    try:
        names = [r[0] for r in conn.execute("SELECT graph FROM graph_journal ORDER BY graph")]
        if not names:
            graph.apply({}, unmark=marks, mark=state)
        for start in range(0, len(names), BATCH):
            chunk = names[start:start + BATCH]
            rows = conn.execute(f"SELECT graph, ntriples FROM graph_journal WHERE graph IN "
                                f"({','.join('?' * len(chunk))})", chunk).fetchall()
            graph.apply({r[0]: r[1] for r in rows}, unmark=marks if start == 0 else (),
                        mark=state if start + BATCH >= len(names) else None)
        graph.flush()
    finally:
        del graph
    meta["graph_applied"] = state
    set_meta(conn, {"graph_applied": state})
    conn.execute("DELETE FROM graph_journal")  # applied: not needed again (a copy of the graphs it changed)


def _open_writable(root: Path, meta: dict[str, str]):
    from .store import open_graph

    where = meta.get("graph_store", "local")
    return open_graph(root, endpoint=None if where == "local" else where, name=meta.get("graph_dir", GRAPH))


def read_meta(root: Path) -> dict[str, str]:
    """The graph's entries of the index's meta table ({} without an index); ``IndexDamaged`` when it is."""
    from ..store.sqlite import damage, damaged, read_only

    db = index_db(root)
    if not db.exists():
        return {}
    if why := damage(db):
        raise damaged(root, why)
    with contextlib.closing(read_only(db)) as conn:
        try:
            return dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                                     "('graph_dir', 'graph_state', 'graph_applied', 'graph_store')").fetchall())
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                raise damaged(root, f"index.sqlite: {exc}") from None
            return {}  # no meta table yet


def open_reader(root: Path, endpoint: str | None = None, wait: float = WAIT):
    """The store as the index last committed it, opened read-only (or the server at ``endpoint``); a
    killed run's committed journal is applied first, a running writer's awaited."""
    from .store import LocalGraph

    deadline = time.monotonic() + wait
    while True:
        meta = read_meta(root)
        ours = meta.get("graph_store", "local") == (endpoint or "local")
        if endpoint:
            if not ours or settled(meta):
                from .remote import RemoteGraph

                return RemoteGraph(endpoint)
        else:
            graph = LocalGraph(root, readonly=True, name=meta.get("graph_dir"))
            if not ours or meta.get("graph_state") is None or graph.marked(meta["graph_state"]):
                return graph
            del graph
        _complete(root, deadline)


def _complete(root: Path, deadline: float) -> None:
    """Apply a killed writer's committed journal, or wait while a live writer holds the lock."""
    from ..store.sqlite import locked, transaction

    try:
        with locked(root), transaction(root) as conn:
            sync(root, conn)
    except IndexBusy:
        if time.monotonic() > deadline:
            raise IndexBusy(f"the graph of {root} is being updated by another `kg` process: try again") from None
        time.sleep(0.05)
    except (OSError, sqlite3.Error) as exc:
        raise VaultgraphError(f"the graph of {root} was left mid-update by a stopped `kg index`, and it cannot be "
                              f"completed here ({exc}): run `kg index`") from None
