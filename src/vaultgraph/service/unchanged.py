"""``kg index`` when nothing changed: the same report as a full run, without importing the pipeline.

A full run imports the parser, the extraction, the graph store and the search index (numpy, rdflib,
markdown-it, pyoxigraph, yaml: 0.3 s at start-up) before it can find that nothing needs work. This module
checks what ``indexing._index`` would act on with the standard library alone, in the writer's transaction:

* the listing: the same notes with the same sizes and mtimes, none failed or left to retry, the same
  attachments (sizes and mtimes too) and the same skipped files with the same reasons;
* the versions the index was written with (parser; the graph signature: extraction rules, schema, reasoning,
  store, and the concepts' digest, which stands while no note changed), its names key;
* nothing left to do by a run before: no notes a first slice left, the graph journal applied, no vectors
  pending, the concepts cache present and current, the search files whole, the embedding cache not damaged;
* the embedding model asked is the index's, and no ``--rebuild``.

It deletes what a full run deletes whatever it finds (store folders and search generations the index no
longer names: readers of the last run kept them), writes what a full run would change (the time of the index)
and returns the report a full run gives; at any doubt it returns None and the caller runs ``index_vault``.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..graph.folders import collect_garbage as collect_graph_garbage
from ..graph.journal import settled
from ..index.generations import SearchReport, damage, needed
from ..index.generations import collect_garbage as collect_search_garbage
from ..layout import GRAPH, embeddings_db, index_db
from ..store.sqlite import damage as sqlite_damage
from ..store.sqlite import get_meta, locked, set_meta, transaction
from ..vault import Listing, scan
from ..versions import PARSER_VERSION, SEARCH_VERSION
from .reports import LIMITED, Clock, GraphReport, IndexReport, link_counts, tally
from .signature import signature, signature_parts


class _Work(Exception):
    """Something may need work: the full run decides."""


def unchanged_report(root: Path, endpoint: str | None = None, model: str | None = None,
                     rebuild: bool = False) -> IndexReport | None:
    """The report of ``index_vault(root, endpoint=endpoint, model=model, rebuild=rebuild)`` when that run would
    have nothing to do (and its one write done: the time of the index); None when anything may need work."""
    if rebuild:
        return None
    started = time.perf_counter()
    clock = Clock()
    root = root.resolve()
    if not index_db(root).is_file():
        return None
    try:
        listing = scan(root)
        with locked(root), transaction(root) as conn:
            meta = get_meta(conn)
            counts, limited = _same_listing(conn, listing, meta)
            clock.lap("list")
            clock.lap("parse")
            links, unresolved = link_counts(conn)
            clock.lap("resolve")
            _same_graph(root, conn, meta, endpoint)
            clock.lap("graph")
            search = _same_search(root, conn, meta, model)
            clock.lap("search")
            set_meta(conn, {"indexed_at": str(time.time())})
    except _Work:
        return None
    except Exception:  # noqa: BLE001 - at any doubt the full run decides: it meets the same error, if any, and
        return None  # reports it (a busy writer's lock, an unwritable .kg/) or repairs the index (damaged files)
    clock.lap("commit")
    notes = sum(counts.values())  # the notes listed: the index holds each of them, and no other
    return IndexReport(str(root), notes, 0, notes, 0, counts.get("failed", 0),
                       counts.get("skipped", 0) + len(listing.skipped), len(listing.files) - notes, links, unresolved,
                       0, 0, time.perf_counter() - started, GraphReport(0, 0, 0, 0, False), search, dict(clock.laps),
                       None, limited)


def _same_listing(conn, listing: Listing, meta: dict[str, str]) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """The vault lists as the index recorded it, and the parser is the one that read it; the notes' counts
    (``reports.note_counts``), from the same pass over the notes table."""
    if meta.get("parser_version") != PARSER_VERSION or "names_key" not in meta \
            or int(meta.get("notes_pending") or 0):  # a first index's first slice: the rest is to do
        raise _Work
    cursor = conn.cursor()
    cursor.row_factory = None
    notes, attachments = {}, []
    for f in listing.files:
        if f.is_note:
            notes[f.path] = f
        else:
            attachments.append((f.path, f.size, f.mtime_ns))
    known = cursor.execute("SELECT path, size, mtime_ns, status, reason, reason LIKE ? FROM notes",
                           (LIMITED,)).fetchall()
    if len(known) != len(notes):
        raise _Work
    for path, size, mtime_ns, status, _, _ in known:
        f = notes.get(path)
        if f is None or f.size != size or f.mtime_ns != mtime_ns or status in ("failed", "retry"):
            raise _Work  # changed, new or removed, or a note whose last read failed: it is read again
    attachments.sort()
    if sorted(cursor.execute("SELECT path, size, mtime_ns FROM files")) != attachments:
        raise _Work
    skipped = sorted((s.path, s.reason) for s in listing.skipped)
    if sorted(cursor.execute("SELECT path, reason FROM skipped")) != skipped:
        raise _Work
    return tally((path, status, reason, cut) for path, _, _, status, reason, cut in known)


def _same_graph(root: Path, conn, meta: dict[str, str], endpoint: str | None) -> None:
    """The graph is as the index says (journal applied) and of the same signature, the concepts cache in place;
    old store folders are deleted (``graphing.update_graph`` with nothing to extract)."""
    if not settled(meta) or meta.get("concepts_digest") is None:
        raise _Work
    parts = signature_parts(conn, endpoint, meta["concepts_digest"])
    if meta.get("graph_signature") != signature(conn, endpoint, parts):
        raise _Work
    if endpoint is None:
        collect_graph_garbage(root, keep={meta.get("graph_dir", GRAPH)})
        from ..index.concepts import cache_current  # (7 ms of imports: only once the rest is unchanged)

        if not cache_current(root, meta["graph_signature"]):
            raise _Work


def _same_search(root: Path, conn, meta: dict[str, str], model: str | None) -> SearchReport:
    """Old search generations deleted, the search files whole and of this model and format, no vectors pending
    (``index.build.refresh_search`` with no change): its report."""
    spec = model or meta.get("model_spec")
    collect_search_garbage(root, meta)
    if spec is None or spec != meta.get("model_spec") or meta.get("search_version") != SEARCH_VERSION:
        raise _Work
    if int(meta.get("vectors_pending") or 0) or "search_files" not in meta:
        raise _Work
    if not needed(root, meta) or damage(root, meta) or sqlite_damage(embeddings_db(root)):
        raise _Work
    passages = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    return SearchReport(passages, 0, spec if meta.get("model_id") else None, False, {})


__all__ = ["unchanged_report"]
