"""The graph half of ``kg index``: extract facts from changed notes and replace their named graphs.

What every note's extraction depends on is folded into one signature (``signature.py``): the schema files, the
extraction rules' version and the concepts the vault defines. When it changes, every note is
extracted again; otherwise only the notes that changed and those whose links now resolve
differently (a new note satisfying an old dangling link, a renamed one).
"""

from __future__ import annotations

import contextlib
from functools import partial

from ..graph import copies, journal
from ..graph.build import note_iri
from ..graph.folders import collect_garbage
from ..graph.namespace import SCHEMA_GRAPH
from ..graph.store import open_graph, schema_ntriples
from ..index.concepts import cache_current, cached_concept_index, concept_index, save_cached
from ..index.store import TABLES, add_passages, clear_passages, remove_passages, replace_passages
from ..index.terms import add_terms, replace_terms
from ..layout import GRAPH, kg_dir, next_graph_name
from ..model import ParsedNote
from ..reason import store as reason_store
from ..reason.cells import order_claims
from ..store.sqlite import indexes_suspended, select_in
from ..vault import NameIndex
from .per_note import Context, made_many
from .reports import GraphReport
from .signature import WHY_FULL, signature, signature_parts


def update_graph(root, conn, index: NameIndex, parsed: dict[str, ParsedNote], removed: list[str],
                 meta: dict[str, str], progress=None, endpoint: str | None = None,
                 affected: set[str] = frozenset(), concepts_same: bool = False, force: str | None = None,
                 workers: int | None = None) -> GraphReport:
    """Extract the notes parsed this run and the ``affected`` ones (whose links now resolve differently),
    or every note when the signature changed; replace their named graphs and passages. ``concepts_same``:
    no note that defines a concept changed, so the concepts digest of the last run stands. ``force``: why every
    note is extracted again (and a local store bulk-loaded anew), as when the signature changes. ``workers``:
    processes making many notes' products (``per_note.made_many``)."""
    journal.sync(root, conn, meta)  # a killed run's committed changes reach the store first
    parts = signature_parts(conn, endpoint, meta.get("concepts_digest") if concepts_same else None)
    sig = signature(conn, endpoint, parts)
    full = meta.get("graph_signature") != sig or bool(force)
    if not (full or removed or affected or parsed):
        if endpoint is None:
            collect_garbage(root, keep={meta.get("graph_dir", GRAPH)})
            if not cache_current(root, sig):
                save_cached(root, sig, conn)
        return GraphReport(0, 0, 0, 0, False)  # nothing to do: not even opening the store
    reason = None
    if full:
        reason = force or "; ".join(why for key, why in WHY_FULL.items()
                                    if meta.get(key) not in (None, parts[key])) \
            or ("first index" if "graph_signature" not in meta else "the index was written by another kg")
    state = journal.next_state(conn, meta)
    # A full local rebuild bulk-loads a fresh store folder, named at commit; every other change is journaled
    # and applied once the index commits (journal.py)
    bulk = full and endpoint is None
    name = meta.get("graph_dir", GRAPH)
    if full:
        paths = [r["path"] for r in conn.execute("SELECT path FROM notes WHERE record IS NOT NULL ORDER BY path")]
    else:
        paths = sorted({p for p, note in parsed.items() if note is not None} | set(affected))
    if full or endpoint is not None:
        concepts = concept_index(conn)
        if endpoint is None:
            save_cached(root, sig, conn, concepts)
    else:  # the vault's concepts are as the last run left them (the signature holds their digest)
        concepts = cached_concept_index(root, conn, sig, save=True)
    if full:
        reason_store.clear(conn)
        for old in kg_dir(root).glob("reason*.pickle"):  # the reasoning's cache of kg 0.1: never read again
            old.unlink(missing_ok=True)
    stored = _records(conn, [p for p in paths if not parsed.get(p)])
    context = Context(concepts, _name_index(index), sig, nquads=bulk)
    # the workers start (fork) before the graph store opens
    products = made_many([(p, parsed.get(p), stored.get(p)) for p in paths], context, workers)
    gone = [*removed, *(p for p, note in parsed.items() if note is None)]
    graph = None
    try:
        with contextlib.ExitStack() as loads:
            if bulk:
                name = next_graph_name(int(meta.get("graph_generation", "0")) + 1)
                collect_garbage(root, keep={meta.get("graph_dir", GRAPH)})  # and a killed run's half-built folder
                graph = open_graph(root, name=name)
                graph.load_schema()
                write = loads.enter_context(graph.loading())  # on a thread of its own, beside the rows below
            else:
                if endpoint is None:
                    collect_garbage(root, keep={name})
                elif full:
                    journal.record(conn, {str(SCHEMA_GRAPH): schema_ntriples()})
                write = partial(_journal, conn)
            if full:  # every note's rows written anew: appended to their tables, indexed at the end
                clear_passages(conn)
                copies.clear(conn)
                loads.enter_context(indexes_suspended(conn, (*TABLES, "reason_contrib")))
            claims, risks = _write(conn, products, write, full, [] if bulk else gone, progress, len(paths))
        if full:
            order_claims(conn)
        remove_passages(conn, gone)
        copies.drop(conn, gone)
        for path in gone:
            reason_store.replace_note(conn, path, None)
        if full:
            reason_store.rebuild(conn)
        if bulk:  # bulk loading bypasses the write-ahead log: flushed, then marked as holding this state
            graph.mark(state)
            graph.flush()
            meta.update(graph_dir=name, graph_generation=name.rsplit("-", 1)[1], graph_applied=state)
        meta.update(parts, graph_signature=sig)
        return GraphReport(len(paths), len(removed), claims, risks, full, reason)
    finally:
        products.close()
        del graph


def _write(conn, products, write, full: bool, dropped: list[str], progress, total: int) -> tuple[int, int]:
    """Each note's products into the index's tables, and its RDF by batches to ``write``, with the graphs of
    ``dropped`` notes emptied; returns the count of claims and of risks. ``full``: the tables hold no note's rows
    (``clear_passages``) and their indexes are suspended: rows are only added, the claims ordered afterwards."""
    claims = risks = 0
    batch: dict[str, bytes | str] = {}
    kept: list[tuple[str, str, bytes | None]] = []  # (path, graph_key, copy) of the batch's graphs
    for i, (path, made) in enumerate(products, 1):
        if made is None:
            batch[path] = ""  # its graph is dropped with the batch
            kept.append((path, "", None))
            if not full:
                remove_passages(conn, [path])
                reason_store.replace_note(conn, path, None)
            continue
        if made.warnings:  # a limit of one note cut its claims: say so beside what parsing said
            conn.execute("UPDATE notes SET status = 'warning', reason = ? WHERE path = ?", (made.warnings, path))
        batch[path] = made.rdf
        kept.append((path, made.graph_key, made.copy))
        conn.execute("UPDATE notes SET graph_key = ? WHERE path = ?", (made.graph_key, path))
        if full:
            add_passages(conn, path, made.passages, made.relations)
            reason_store.add_note(conn, made.reasoning)
            add_terms(conn, made.terms)
        else:
            replace_passages(conn, path, made.passages, made.relations)
            order_claims(conn, path)
            reason_store.replace_note(conn, path, made.reasoning)
            replace_terms(conn, path, made.terms)
        if len(batch) >= _BATCH:
            write(batch)
            copies.put(conn, kept)
            batch, kept = {}, []
        claims += made.claims
        risks += made.risks
        if progress:
            progress("graph", i, total)
    batch.update({path: "" for path in dropped})
    write(batch)
    copies.put(conn, kept)
    return claims, risks


_BATCH = 250  # notes' RDF a write: ~60 MB of N-Quads for a bulk load, one journal insert


def _journal(conn, batch: dict[str, str]) -> None:
    journal.record(conn, {note_iri(path).value: text for path, text in batch.items()})


def _name_index(names) -> NameIndex:
    """The vault's name index itself (``service.indexing`` passes one that is built on first use)."""
    return names if isinstance(names, NameIndex) else names.name_index()


def _records(conn, paths: list[str]) -> dict[str, str]:
    """The stored records (JSON) of notes not parsed this run."""
    return {r[0]: r[1] for r in select_in(conn, "SELECT path, record FROM notes WHERE record IS NOT NULL "
                                                "AND path IN ({})", paths)}


def note_type(note: ParsedNote | None) -> str:
    if note is None:
        return ""
    value = note.frontmatter.get("type")
    return str(value).strip().lower() if value is not None else ""


__all__ = ["GraphReport", "concept_index", "note_type", "update_graph"]
