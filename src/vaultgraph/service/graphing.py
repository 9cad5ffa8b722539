"""The graph half of ``kg index``: extract facts from changed notes and replace their named graphs.

What every note's extraction depends on is folded into one signature (``signature.py``): the schema files, the
extraction rules' version and the concepts the vault defines. When it changes, every note is
extracted again; otherwise only the notes that changed and those whose links now resolve
differently (a new note satisfying an old dangling link, a renamed one).
"""

from __future__ import annotations

import hashlib
import json

from ..extract.facts import extract
from ..graph.build import note_quads
from ..graph import journal
from ..graph.build import note_iri
from ..graph.namespace import SCHEMA_GRAPH
from ..graph.folders import collect_garbage
from ..graph.store import open_graph, schema_ntriples
from ..index.concepts import cache_path, cached_concept_index, concept_index, save_cached
from ..index.passages import note_passages, saved_answer
from ..index.store import remove_passages, replace_passages
from ..index.terms import note_terms, replace_terms
from ..layout import GRAPH, kg_dir, next_graph_name
from ..reason import records as reason_records, store as reason_store
from ..model import ParsedNote, from_dict
from ..vault import NameIndex
from .reports import GraphReport
from .signature import WHY_FULL, signature, signature_parts


def update_graph(root, conn, index: NameIndex, parsed: dict[str, ParsedNote], removed: list[str],
                 meta: dict[str, str], progress=None, endpoint: str | None = None,
                 affected: set[str] = frozenset(), concepts_same: bool = False, force: bool = False) -> GraphReport:
    """Extract the notes parsed this run and the ``affected`` ones (whose links now resolve differently),
    or every note when the signature changed; replace their named graphs and passages. ``concepts_same``:
    no note that defines a concept changed, so the concepts digest of the last run stands. ``force``: every
    note extracted again, as when the signature changes."""
    journal.sync(root, conn, meta)  # a killed run's committed changes reach the store first
    parts = signature_parts(conn, endpoint, meta.get("concepts_digest") if concepts_same else None)
    sig = signature(conn, endpoint, parts)
    full = meta.get("graph_signature") != sig or force
    if not (full or removed or affected or parsed):
        if endpoint is None:
            collect_garbage(root, keep={meta.get("graph_dir", GRAPH)})
            if not cache_path(root).exists():
                save_cached(root, sig, conn)
        return GraphReport(0, 0, 0, 0, False)  # nothing to do: not even opening the store
    reason = None
    if full:
        reason = "; ".join(why for key, why in WHY_FULL.items() if meta.get(key) not in (None, parts[key])) \
            or ("first index" if "graph_signature" not in meta else "a rebuild was asked" if force
                else "the index was written by another kg")
    state = journal.next_state(conn, meta)
    # A full local rebuild bulk-loads a fresh store folder, named at commit; every other change is journaled
    # and applied once the index commits (journal.py)
    bulk = full and endpoint is None
    name = meta.get("graph_dir", GRAPH)
    graph = None
    if bulk:
        name = next_graph_name(int(meta.get("graph_generation", "0")) + 1)
        collect_garbage(root, keep={meta.get("graph_dir", GRAPH)})  # and a killed run's half-built folder
        graph = open_graph(root, name=name)
        graph.load_schema()
    elif endpoint is None:
        collect_garbage(root, keep={name})
    elif full:
        journal.record(conn, {str(SCHEMA_GRAPH): schema_ntriples()})

    def write(batch: dict[str, list]) -> None:
        if bulk:
            graph.replace_notes(batch, bulk=True)
        else:
            journal.record(conn, {note_iri(path).value: journal.ntriples(quads) for path, quads in batch.items()})

    batch_size = 500 if bulk else 100
    try:
        if full:
            paths = [r["path"] for r in conn.execute("SELECT path FROM notes WHERE record IS NOT NULL ORDER BY path")]
        else:
            paths = sorted({p for p, note in parsed.items() if note is not None} | set(affected))
        if full or endpoint is not None:
            concepts = concept_index(conn)
            if endpoint is None:
                save_cached(root, sig, conn)
        else:  # the vault's concepts are as the last run left them (the signature holds their digest)
            concepts = cached_concept_index(root, conn, sig, save=True)
        if full:
            reason_store.clear(conn)
            for old in kg_dir(root).glob("reason*.pickle"):  # the reasoning's cache of kg 0.1: never read again
                old.unlink(missing_ok=True)
        labels = {c.id: c.labels for c in concepts if c.scheme == "vault"}
        broader = {c.id: c.broader for c in concepts if c.broader}
        claims = risks = 0
        batch: dict[str, list] = {}
        for i, path in enumerate(paths, 1):
            note = parsed.get(path) or _load(conn, path)
            if note is None:
                batch[path] = []  # its graph is dropped with the batch
                remove_passages(conn, [path])
                reason_store.replace_note(conn, path, None)
                continue
            facts = extract(note, concepts, lambda target, src=path: index.resolve(src, target)[0])
            if facts.warnings:  # a limit of one note cut its claims: say so beside what parsing said
                conn.execute("UPDATE notes SET status = 'warning', reason = ? WHERE path = ?",
                             ("; ".join(str(w) for w in (*note.warnings, *facts.warnings)), path))
            batch[path] = note_quads(note, facts, labels, broader)
            conn.execute("UPDATE notes SET graph_key = ? WHERE path = ?", (_graph_key(sig, note, facts), path))
            topic = facts.concept or concepts.lookup(note.title)
            passages = note_passages(note, facts, topic)
            piece = reason_records.piece_of(note, facts, saved_answer(note))
            replace_passages(conn, path, passages, [(s, "mitigates", d) for s, d in facts.mitigates] +
                             [(s, "causes", d) for s, d in facts.causes] + reason_records.relation_rows(piece))
            if full:
                reason_store.add_note(conn, piece)
            else:
                reason_store.replace_note(conn, path, piece)
            replace_terms(conn, path, note_terms(note, passages))
            if len(batch) >= batch_size:
                write(batch)
                batch = {}
            claims += len(facts.claims)
            risks += sum("risk" in c.kinds for c in facts.claims)
            if progress:
                progress("graph", i, len(paths))
        gone = [*removed, *(p for p, note in parsed.items() if note is None)]
        if not bulk:
            batch.update({path: [] for path in gone})
        write(batch)
        remove_passages(conn, gone)
        for path in gone:
            reason_store.replace_note(conn, path, None)
        if full:
            reason_store.rebuild(conn)
        if bulk:  # bulk_extend bypasses the write-ahead log: flushed, then marked as holding this state
            graph.mark(state)
            graph.flush()
            meta.update(graph_dir=name, graph_generation=name.rsplit("-", 1)[1], graph_applied=state)
        meta.update(parts, graph_signature=sig)
        return GraphReport(len(paths), len(removed), claims, risks, full, reason)
    finally:
        del graph


def _graph_key(signature: str, note: ParsedNote, facts) -> str:
    """Changes when anything the note's graph was made from changes: its bytes, what its links resolve
    to, the vault-wide signature (a cache of per-note graphs keys on this, not on the note's hash)."""
    h = hashlib.sha256(f"{signature}\0{note.sha256}\0".encode())
    h.update(repr(facts.links).encode())
    h.update(repr([(c.id, c.evidence) for c in facts.claims]).encode())
    return h.hexdigest()


def _load(conn, path: str) -> ParsedNote | None:
    row = conn.execute("SELECT record FROM notes WHERE path = ?", (path,)).fetchone()
    return from_dict(ParsedNote, json.loads(row["record"])) if row and row["record"] else None


def note_type(note: ParsedNote | None) -> str:
    if note is None:
        return ""
    value = note.frontmatter.get("type")
    return str(value).strip().lower() if value is not None else ""


__all__ = ["GraphReport", "concept_index", "note_type", "update_graph"]
