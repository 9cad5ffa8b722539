"""``kg check``'s SHACL part, note by note, and only the notes whose graph changed since the last check.

Each note's graph is read (from the index's copy, ``graph.copies``, else from the store) and validated on its
own (``graph.shapes``); its results, placed at
their lines, are kept in the index's ``shape_results`` table under a key: the note's ``graph_key`` (which the
index changes whenever it rewrites the note's graph) and a digest of everything else a note's results depend
on (the shapes, the schema, pyshacl's version), and the types the vault gives the concepts and sources the
note points at (``context``). A later check reads the stored results of every note whose key and context
still match and validates the others; the shapes on concepts run over what all notes say of concepts (stored
with each note), again only when that changed (row ``''``).

Results are stored by batches of notes, each batch one transaction under the index's writer lock, and only
while the index is still at the state the check read: a check stopped half-way keeps the batches it stored
(each row stands on its own key), and one that finds ``kg index`` running validates without storing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from ..errors import IndexBusy

CHECK_VERSION = "1"
BATCH = 500  # notes validated per stored transaction
PARALLEL = 200  # notes to validate from which two processes do it


def shape_results(root: Path, endpoint: str | None = None, progress=None) -> tuple[list, int, int]:
    """Every SHACL result of the graph the index last committed, as ``checking.ShapeResult``s; how many note
    graphs were validated this time, and how many there are."""
    from ..graph.build import note_place
    from ..graph.shapes import pointed_classes
    from ..graph.store import schema_graph

    graph, keys, state = _snapshot(root, endpoint)
    stored = _stored(root)
    types = graph.instances(pointed_classes())
    base = _digest(CHECK_VERSION, _pyshacl_version(), *_schema_bytes())
    saver = _Saver(root, state)
    results, shared, rows = [], set(), {}
    schema = schema_graph()
    names = sorted(n for n in graph.graph_names() if n != schema)
    todo = {}  # note graph IRI → (path, key, graph_key) of those validated this time
    for iri in names:
        place = note_place(iri)
        path, graph_key = keys.get(iri) or (place[0] if place else iri, "")
        key = f"{base}:{graph_key}" if graph_key else None
        row = stored.get(path)
        if key is not None and row is not None and row["key"] == key and row["context"] == _context(types, row["pointed"]):
            results += row["results"]
            shared.update(row["shared"])
        else:
            todo[iri] = (path, key, graph_key)
    notes = [(iri, path, graph_key) for iri, (path, _, graph_key) in todo.items()]
    for i, (iri, (found, lines, pointed)) in enumerate(_validate_all(root, graph, notes, types, endpoint), 1):
        path, key, _ = todo[iri]
        if key is not None:
            rows[path] = (key, _context(types, pointed), pointed, found, lines)
        results += found
        shared.update(lines)
        if len(rows) >= BATCH:
            saver.save(rows)
            rows = {}
        if progress:
            progress("check", i, len(todo))
    validated = len(todo)
    concepts = sorted(shared)
    key = _digest(base, *concepts)
    row = stored.get("")
    if row is not None and row["key"] == key:
        found = row["results"]
    else:
        from .checking import placed

        found = [r.to_dict() for r in placed(_shapes(types).concepts([c.encode() for c in concepts]))]
        rows[""] = (key, "", [], found, [])
    results += found
    saver.save(rows, keep={path for path, _ in keys.values()} | {""})
    from .checking import ShapeResult

    return [ShapeResult(**r) for r in results], validated, len(names)


def _validate_all(root: Path, graph, notes: list[tuple[str, str, str]], types: dict[str, set[str]],
                  endpoint: str | None):
    """(IRI, (results, shared lines, pointed nodes)) of each note graph of ``notes`` ((IRI, path, graph_key)),
    in order. A graph of the embedded store is read from the index's copy (``graph.copies``) or, without one
    under its key, from the store the check opened, as a server's always is (others may write there); a later
    index's state is caught by ``_Saver``, which then stores nothing. Past ``PARALLEL`` notes on two processes
    (the checks are Python)."""
    import os
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    from ..graph.store import LocalGraph
    from ..store.sqlite import reader

    local = isinstance(graph, LocalGraph)
    workers = min(2, os.cpu_count() or 1)
    if len(notes) < PARALLEL or workers < 2:
        with reader(root) as conn:
            _init(types, graph, conn if local else None)
            for note in notes:
                yield note[0], _validate(note)
        return
    source = (str(graph.path), None) if local else (None, endpoint)
    batches = [notes[i:i + 32] for i in range(0, len(notes), 32)]
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(types, source, root)) as pool:
        pending = deque()
        for batch in batches:
            pending.append(([n[0] for n in batch], pool.submit(_validate_batch, batch)))
            while len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield from zip(done, future.result())
        while pending:
            done, future = pending.popleft()
            yield from zip(done, future.result())


_SHAPES = _GRAPH = _INDEX = None


def _init(types: dict[str, set[str]], graph, conn) -> None:
    global _SHAPES, _GRAPH, _INDEX
    _SHAPES, _GRAPH, _INDEX = _shapes(types), graph, conn


def _init_worker(types: dict[str, set[str]], source: tuple[str | None, str | None], root: Path) -> None:
    from ..graph.remote import RemoteGraph
    from ..graph.store import LocalGraph
    from ..store.sqlite import open_reader, release_inherited

    release_inherited()  # a forked worker: the parent's writer locks are not its own
    path, endpoint = source
    if path is None:
        _init(types, RemoteGraph(endpoint), None)
    else:
        _init(types, LocalGraph(Path(path).parent.parent, readonly=True, name=Path(path).name), open_reader(root))


def _validate_batch(notes: list[tuple[str, str, str]]) -> list:
    return [_validate(note) for note in notes]


def _validate(note: tuple[str, str, str]) -> tuple[list[dict], list[str], list[str]]:
    from ..graph import copies
    from ..graph.ntriples import note_triples
    from ..graph.shapes import shared_lines
    from .checking import placed

    iri, path, graph_key = note
    data = copies.read(_INDEX, path, graph_key) if _INDEX is not None else None
    triples = note_triples(_GRAPH.graph_ntriples(iri) if data is None else data)
    found, pointed = _SHAPES.note(triples)
    return [r.to_dict() for r in placed(found, triples)], shared_lines(iri, triples), sorted(pointed)


def _context(types: dict[str, set[str]], pointed: list[str]) -> str:
    """What a note's results depend on beyond its graph: the types the vault gives the nodes it points at."""
    return _digest(*(f"{node} {' '.join(sorted(types[node]))}" for node in pointed if node in types))


def _shapes(types: dict[str, set[str]]):
    from ..graph.shapes import Shapes

    return Shapes(types)


def _snapshot(root: Path, endpoint: str | None):
    """The store as the index last committed it, each note graph's IRI → (path, graph_key) from the same
    commit, and the index state they belong to (read again until the index did not move in between)."""
    from ..graph.build import note_iri
    from ..graph.journal import read_meta
    from ..graph.store import open_graph
    from ..store.sqlite import reader

    for _ in range(5):
        before = _state(read_meta(root))
        graph = open_graph(root, readonly=True, endpoint=endpoint)
        with reader(root) as conn:
            keys = {note_iri(r[0]).value: (r[0], r[1]) for r in conn.execute(
                "SELECT path, graph_key FROM notes WHERE record IS NOT NULL")}
        if _state(read_meta(root)) == before:
            return graph, keys, before
        del graph
    return graph, {}, None  # the index keeps moving: validate everything, store nothing


def _state(meta: dict[str, str]) -> tuple:
    return meta.get("graph_dir"), meta.get("graph_state"), meta.get("graph_store")


def _stored(root: Path) -> dict[str, dict]:
    from ..store.sqlite import reader

    try:
        with reader(root) as conn:
            return {r[0]: {"key": r[1], "context": r[2], "pointed": json.loads(r[3]), "results": json.loads(r[4]),
                           "shared": json.loads(r[5])}
                    for r in conn.execute("SELECT path, key, context, pointed, results, shared FROM shape_results")}
    except sqlite3.OperationalError:  # an index written before this table existed
        return {}


class _Saver:
    """Stores rows while the index is at ``state``; stops (silently) once it is not, or is busy."""

    def __init__(self, root: Path, state):
        self.root, self.state, self.on = root, state, state is not None

    def save(self, rows: dict, keep: set[str] | None = None) -> None:
        from ..graph.journal import read_meta
        from ..store.sqlite import dumps, locked, transaction

        if not self.on or not (rows or keep is not None):
            return
        try:
            with locked(self.root), transaction(self.root) as conn:
                if _state(read_meta(self.root)) != self.state:
                    self.on = False
                    return
                conn.executemany("INSERT OR REPLACE INTO shape_results (path, key, context, pointed, results, shared) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", [(p, k, c, dumps(pointed), dumps(found), dumps(lines))
                                                               for p, (k, c, pointed, found, lines) in rows.items()])
                if keep is not None:  # notes gone since: their rows go
                    gone = [r[0] for r in conn.execute("SELECT path FROM shape_results") if r[0] not in keep]
                    conn.executemany("DELETE FROM shape_results WHERE path = ?", [(p,) for p in gone])
        except (IndexBusy, OSError, sqlite3.Error):
            self.on = False  # kg index runs, or the index is read-only: the results are still reported


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _schema_bytes() -> list[bytes]:
    from ..resources import SCHEMA_FILES, schema_dir

    return [(schema_dir() / name).read_bytes() for name in ("shapes.ttl", *SCHEMA_FILES)]


def _pyshacl_version() -> str:
    from importlib.metadata import version

    return version("pyshacl")
