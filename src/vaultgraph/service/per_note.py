"""What the graph stage makes of one note: its facts as RDF, its passages, terms and reasoning rows.

``made`` is a pure function of a parsed note and the vault-wide context (concepts, names, the graph signature),
so that many notes (a first index, a change of the extraction rules) are made by worker processes on every
core while this process writes what they return: the SQLite rows in order, and the RDF into the graph store.
A few notes (an edit) are made here: starting workers would cost more than it saves.

Workers are forked (as the parser's are): they inherit the context and the parsed notes without pickling
them, and only the products come back. They are started before the graph store is opened, so that no
store's threads or locks are copied into them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from itertools import islice
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ..extract.concepts import ConceptIndex
from ..extract.facts import extract
from ..graph import copies, journal
from ..graph.build import note_iri, note_quads
from ..index.passages import Passage, note_passages, saved_answer
from ..index.terms import Term, note_terms
from ..model import ParsedNote, from_dict
from ..reason import records as reason_records, store as reason_store
from ..runtime import no_gc
from ..store.sqlite import release_inherited
from ..vault import NameIndex

PARALLEL_ABOVE = 400  # fewer notes than this (~8 s of one core) are made in this process
CHUNK = 32  # notes a task
AHEAD = 8  # tasks submitted ahead of the one being written


@dataclass(frozen=True)
class Context:
    """What every note's products depend on besides the note."""

    concepts: ConceptIndex
    names: NameIndex
    signature: str
    nquads: bool  # the RDF as N-Quads, for a bulk load; else as N-Triples, for the journal

    @property
    def labels(self) -> dict[str, tuple[str, ...]]:
        return {c.id: c.labels for c in self.concepts if c.scheme == "vault"}

    @property
    def broader(self) -> dict[str, tuple[str, ...]]:
        return {c.id: c.broader for c in self.concepts if c.broader}


@dataclass(frozen=True)
class Products:
    path: str
    rdf: bytes | str  # N-Quads (``Context.nquads``) or N-Triples of the note's named graph
    copy: bytes  # its N-Triples as the index keeps them (``graph.copies``)
    passages: list[Passage]
    relations: list[tuple[str, str, str]]  # (src, rel, dst) of the passages table's relations
    reasoning: list[tuple]  # the note's ``reason_contrib`` rows
    terms: list[Term]
    graph_key: str
    warnings: str | None  # what a limit of one note cut, beside what parsing said
    claims: int
    risks: int


def made(note: ParsedNote, context: Context, labels=None, broader=None) -> Products:
    """One note's products (``labels`` / ``broader``: the context's, when the caller already has them)."""
    import hashlib

    import pyoxigraph as ox

    path = note.path
    facts = extract(note, context.concepts, lambda target: context.names.resolve(path, target)[0])
    quads = list(dict.fromkeys(note_quads(note, facts, context.labels if labels is None else labels,
                                          context.broader if broader is None else broader)))  # each once
    if context.nquads:
        rdf: bytes | str = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    else:
        rdf = journal.ntriples(quads)
    copy = copies.pack(rdf, str(note_iri(path)) if context.nquads else None)
    topic = facts.concept or context.concepts.lookup(note.title)
    passages = note_passages(note, facts, topic)
    piece = reason_records.piece_of(note, facts, saved_answer(note))
    relations = [(s, "mitigates", d) for s, d in facts.mitigates] + [(s, "causes", d) for s, d in facts.causes] \
        + reason_records.relation_rows(piece)
    key = hashlib.sha256(f"{context.signature}\0{note.sha256}\0".encode())  # changes with anything the graph
    key.update(repr(facts.links).encode())  # was made from: its bytes, what its links resolve to, the signature
    key.update(repr([(c.id, c.evidence) for c in facts.claims]).encode())
    warnings = "; ".join(str(w) for w in (*note.warnings, *facts.warnings)) if facts.warnings else None
    return Products(path, rdf, copy, passages, relations, reason_store.contrib_rows(piece), note_terms(note, passages),
                    key.hexdigest(), warnings, len(facts.claims), sum("risk" in c.kinds for c in facts.claims))


def made_many(notes: list[tuple[str, ParsedNote | None, str | None]], context: Context,
              workers: int | None = None) -> Iterator[tuple[str, Products | None]]:
    """Each note's products, in order: ``notes`` holds (path, parsed note or None, its stored record as JSON or
    None); a note with neither has no products (None). Past ``PARALLEL_ABOVE`` notes, forked workers make
    them: they are started by this call, before it returns."""
    workers = workers or min(2, os.cpu_count() or 1)
    if len(notes) < PARALLEL_ABOVE or workers < 2:
        return _here(notes, context)
    _INHERITED["context"] = context
    _INHERITED["notes"] = {path: note for path, note, _ in notes if note is not None}
    tasks = ([(path, record if note is None else None) for path, note, record in notes[i:i + CHUNK]]
             for i in range(0, len(notes), CHUNK))
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=release_inherited)
        ahead = deque(pool.submit(_make_chunk, task) for task in islice(tasks, AHEAD))  # the workers fork now
    finally:
        _INHERITED.clear()  # the workers have their copy
    return _gathered(pool, ahead, tasks)


def _here(notes, context: Context) -> Iterator[tuple[str, Products | None]]:
    labels, broader = context.labels, context.broader
    for path, note, record in notes:
        note = note if note is not None else _loaded(record)
        yield path, made(note, context, labels, broader) if note is not None else None


def _gathered(pool: ProcessPoolExecutor, ahead: deque, tasks) -> Iterator[tuple[str, Products | None]]:
    """The products of each task in order, a task submitted as one is taken: made products wait for this
    process in at most ``AHEAD`` chunks (all submitted at once, a 10,000-note first build held most of the
    vault's products while this process wrote the first ones)."""
    try:
        while ahead:
            chunk = ahead.popleft().result()
            task = next(tasks, None)
            if task is not None:
                ahead.append(pool.submit(_make_chunk, task))
            yield from chunk
    finally:
        pool.shutdown(cancel_futures=True)


_INHERITED: dict = {}  # set in the parent just before the workers fork; read by them


def _make_chunk(chunk: list[tuple[str, str | None]]) -> list[tuple[str, Products | None]]:
    context, parsed = _INHERITED["context"], _INHERITED["notes"]
    with no_gc():
        return list(_here([(path, parsed.get(path), record) for path, record in chunk], context))


def _loaded(record: str | None) -> ParsedNote | None:
    return from_dict(ParsedNote, json.loads(record)) if record else None


__all__ = ["Context", "Products", "made", "made_many"]
