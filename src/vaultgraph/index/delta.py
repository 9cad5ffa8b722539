"""Small changes without rewriting the big search files: a delta over a base generation.

The base is a BM25 folder and a FAISS file over every passage at the time it was built; rewriting
them costs seconds to minutes on a large vault. A later run that changed a few notes writes only a
delta: the passages added since the base (their rows, vectors, tokens and concept links) and the base
rows deleted since. A search leaves the deleted rows out inside the base's own search (masked BM25
documents, a FAISS selector) and merges the delta's hits by the same scores: cosine for vectors, and BM25
computed with the base's statistics (document count, average length, document frequencies), so a delta passage ranks exactly
where it would in a rebuilt index of the same base. Past ``COMPACT_SHARE`` of the base (or
``COMPACT_MIN`` rows) the next run builds a new base instead.

A run rewrites the delta's rows, tokens and links, but not its vectors (20 MB at 10,000 delta rows, synced to
disk on every watched edit): each generation writes the vectors of its own new rows to a file of its own
(``layout.delta_vectors_name``), and the delta says which file and place holds each row's vector. Past
``CHUNKS_MAX`` files one run writes the live vectors into one file again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..layout import delta_vectors_name
from .folders import load_arrays, reading, save_array, save_arrays
from .links import Table as LinkTable, concat, from_arrays, strongest, to_arrays
from ..text.words import tokenize
from .lexical import weigh

COMPACT_MIN = 5_000
COMPACT_SHARE = 0.10
CHUNKS_MAX = 32  # vector files a delta names before a run writes its live vectors into one
K1, B = 1.5, 0.75  # bm25s defaults, which the base was built with


def _none() -> np.ndarray:
    return np.zeros(0, dtype=np.int32)


@dataclass
class Delta:
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray | None = None  # (len(rows), dim) once loaded, or None (without dense search, or not read)
    tokens: list[list[str]] = field(default_factory=list)
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    links: LinkTable = field(default_factory=LinkTable)  # the concept links of ``rows``
    chunks: tuple[str, ...] = ()  # the generations whose vector files hold the rows' vectors
    chunk: np.ndarray = field(default_factory=_none)  # per row: its file, an index into ``chunks``
    at: np.ndarray = field(default_factory=_none)  # per row: its place in that file
    own: np.ndarray | None = None  # the vectors ``save`` writes to this generation's file

    def __len__(self) -> int:
        return len(self.rows) + len(self.dead)


def extend(previous: Delta, gone: np.ndarray, fresh: Delta, dead: np.ndarray, generation: str) -> Delta:
    """``previous``'s passages but those ``gone`` since, then the ``fresh`` ones, over base rows ``dead``, as
    generation ``generation``: its own vector file holds the fresh rows' vectors, or every live row's when
    ``previous`` came with its vectors read (a delta of the format before vector files, or past ``CHUNKS_MAX``).

    A passage row never changes (an edited note's passages get new rows), so what a previous delta holds
    of a row still alive is what computing it again would give: a run pays only for its own new rows."""
    keep = ~np.isin(previous.rows, gone)
    tokens = [t for t, k in zip(previous.tokens, keep.tolist()) if k] + fresh.tokens
    out = Delta(np.concatenate([previous.rows[keep], fresh.rows]).astype(np.int64), None, tokens,
                dead, concat(previous.links, fresh.links, drop=gone))
    if fresh.vectors is None:
        return out
    new = np.arange(len(fresh.rows), dtype=np.int32)
    if previous.vectors is not None or not previous.chunks:
        old = previous.vectors[keep] if previous.vectors is not None else np.zeros((0, fresh.vectors.shape[1]))
        out.own = np.concatenate([old.astype(np.float32), fresh.vectors.astype(np.float32)])
        out.chunks = (generation,)
        out.chunk = np.zeros(len(out.rows), np.int32)
        out.at = np.arange(len(out.rows), dtype=np.int32)
        return out
    used = sorted(set(previous.chunk[keep].tolist()))  # the files a live row still needs
    renumber = np.full(len(previous.chunks), -1, dtype=np.int32)
    renumber[used] = np.arange(len(used), dtype=np.int32)
    out.chunks = tuple(previous.chunks[i] for i in used) + ((generation,) if len(new) else ())
    out.chunk = np.concatenate([renumber[previous.chunk[keep]], np.full(len(new), len(used), np.int32)])
    out.at = np.concatenate([previous.at[keep], new]).astype(np.int32)
    out.own = fresh.vectors.astype(np.float32) if len(new) else None
    return out


def too_big(delta_size: int, base_size: int) -> bool:
    return delta_size > max(COMPACT_MIN, COMPACT_SHARE * base_size)


def save(delta: Delta, path: Path) -> None:
    """Write the vectors this generation adds (``delta.own``: its own file, first), then ``path`` (.npz) and its
    tokens and names (.json), each atomically (``folders``)."""
    if delta.own is not None:
        save_array(path.with_name(delta_vectors_name(delta.chunks[-1])), delta.own)
    arrays = {"rows": delta.rows.astype(np.int64), "dead": delta.dead.astype(np.int64), **to_arrays(delta.links),
              "chunk": delta.chunk.astype(np.int32), "at": delta.at.astype(np.int32)}
    save_arrays(path, arrays, {"tokens": delta.tokens, "concepts": list(delta.links.concepts),
                               "chunks": list(delta.chunks)})


def load(path: Path, vectors: bool = True) -> Delta:
    """The delta at ``path``, its rows' vectors read from their files unless ``vectors`` is false (the writer
    extending it needs where they are, not what); ``IndexDamaged`` when a file is missing or cannot be read whole."""
    with reading(path):
        found = load_arrays(path)
        if found is None:
            raise FileNotFoundError(path)
        arrays, names = found
        delta = Delta(arrays["rows"], arrays.get("vectors"), names["tokens"], arrays["dead"],
                      from_arrays(arrays, names["concepts"]), tuple(names.get("chunks", ())),
                      arrays.get("chunk", _none()), arrays.get("at", _none()))
        if delta.chunks and vectors:
            delta.vectors = gather(path, delta)
        n = len(delta.rows)
        if len(delta.tokens) != n or (delta.vectors is not None and len(delta.vectors) != n) \
                or (delta.chunks and not len(delta.chunk) == len(delta.at) == n):
            raise ValueError("its parts do not fit together")
        return delta


def gather(path: Path, delta: Delta) -> np.ndarray:
    """The rows' vectors of the delta at ``path``, from the files of ``delta.chunks``."""
    out = None
    for i, generation in enumerate(delta.chunks):
        chunk = path.with_name(delta_vectors_name(generation))
        with reading(chunk):
            held = np.load(chunk, mmap_mode="r")
            mine = np.flatnonzero(delta.chunk == i)
            if out is None:
                out = np.zeros((len(delta.rows), held.shape[1]), dtype=np.float32)
            if len(mine) and int(delta.at[mine].max()) >= len(held):
                raise ValueError(f"{chunk.name} holds fewer vectors than its delta names")
            out[mine] = held[delta.at[mine]]
    return out if out is not None else np.zeros((0, 0), dtype=np.float32)


class Segments:
    """The base search files and the delta over them, searched as one index."""

    def __init__(self, lexical, vectors, delta: Delta, concept_links: LinkTable | None = None):
        self.lexical, self.vectors, self.delta = lexical, vectors, delta
        self.links = concept_links if concept_links is not None else LinkTable()
        self._dead_documents = lexical.documents_of(delta.dead)  # the base's BM25 documents deleted since
        self._dead_mask = np.zeros(len(lexical.rows), dtype=bool)  # … as a mask: no set lookup per question word
        self._dead_mask[self._dead_documents] = True
        self._dead_vectors = vectors.excluding(delta.dead) if vectors is not None else None
        self._postings = postings(delta.tokens)  # a token's delta document frequency: len(docs)
        lengths = np.asarray([len(t) for t in delta.tokens], dtype=np.float64)
        avgdl = lexical.stats()[1]
        self._norm = K1 * ((1 - B) + B * lengths / (avgdl or 1.0))  # BM25's length term of each delta document

    def known(self, text: str) -> list[str]:
        return [t for t in tokenize(text) if t in self._postings or t in self.lexical.vocabulary()]

    def df(self, token: str) -> int:
        """How many live passages (base and delta) hold ``token``. Base rows deleted since are left out:
        a word the user wrote in a note edited three times is held by one passage, not four."""
        count = self.lexical.df(token)
        if count and len(self._dead_documents):
            count -= int(self._dead_mask[self.lexical.documents_holding(token)].sum())
        posting = self._postings.get(token)
        return count + (len(posting[0]) if posting is not None else 0)

    def rare(self, tokens, limit: float) -> frozenset[str]:
        """The ``tokens`` that at least one and at most ``limit`` live passages hold."""
        out = set()
        for t in tokens:
            if self.lexical.df(t) - len(self.delta.dead) > limit:  # common whatever was deleted
                continue
            if 0 < self.df(t) <= limit:
                out.add(t)
        return frozenset(out)

    def holders(self, token: str) -> np.ndarray:
        """The live passage rows whose text holds ``token``, sorted."""
        docs = self.lexical.documents_holding(token)
        if len(docs) and len(self._dead_documents):
            docs = docs[~self._dead_mask[docs]]
        base = self.lexical.rows[docs]
        extra = self._postings.get(token)
        return np.concatenate([base, np.sort(self.delta.rows[extra[0]])]) if extra is not None else np.asarray(base)

    def vectors_of(self, rows: list[int]) -> dict[int, np.ndarray]:
        """The passage vectors of ``rows`` (those that have one)."""
        out: dict[int, np.ndarray] = {}
        if self.delta.vectors is not None and len(self.delta.rows):
            at = {r: i for i, r in enumerate(self.delta.rows.tolist())}
            out.update((r, self.delta.vectors[at[r]]) for r in rows if r in at)
        if self.vectors is not None:
            base = [r for r in rows if r not in out]
            out.update(zip(base, self.vectors.reconstruct(base)))
        return out

    def documents(self) -> int:
        """Live passages: the base's (but those deleted since) and the delta's."""
        return self.lexical.stats()[0] - len(self.delta.dead) + len(self.delta.rows)

    def linked(self, expansions: list[tuple[str, str, float, str | None]], n_entities: int,
               wanted: dict[str, float], rel_weight: dict[str, float], limit: int):
        """The passages most strongly linked to a question's concepts (``links.strongest``)."""
        return strongest([self.links, self.delta.links], self.delta.dead, expansions, n_entities,
                         wanted, rel_weight, limit)

    def search_lexical(self, query: str | dict[str, float], k: int) -> list[tuple[int, float]]:
        """BM25 hits of ``query`` (a text, or tokens with weights: ``Lexical.search``)."""
        weights = query if isinstance(query, dict) else weigh(tokenize(query))
        hits = self.lexical.search(weights, k, self._dead_documents)
        if len(self.delta.rows):
            scores = self._delta_bm25(weights)
            found = np.flatnonzero(scores > 0)
            found = found[_best(scores[found], k)]
            hits += zip(self.delta.rows[found].tolist(), scores[found].tolist())
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]

    def _delta_bm25(self, weights: dict[str, float]) -> np.ndarray:
        """Lucene BM25 of every delta document with the base's statistics (document count, average length,
        document frequencies), so that a delta passage ranks where a rebuilt base would put it; computed
        from the query tokens' postings, whatever the number of delta documents."""
        n_docs = self.lexical.stats()[0]
        scores = np.zeros(len(self.delta.rows), dtype=np.float64)
        for t, weight in weights.items():
            posting = self._postings.get(t) if t else None
            if posting is None:
                continue
            docs, tf = posting
            df = self.lexical.df(t)
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            scores[docs] += weight * idf * tf / (self._norm[docs] + tf)
        return scores

    def search_dense(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self.vectors is None:
            return []
        hits = self.vectors.search(query, k, self._dead_vectors)
        if self.delta.vectors is not None and len(self.delta.rows):
            scores = self.delta.vectors @ query.astype(np.float32)
            found = _best(scores, k)
            hits += zip(self.delta.rows[found].tolist(), scores[found].tolist())
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]


def postings(documents: list[list[str]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """token → (the documents holding it, ascending; its term frequency in each, float64), the empty token left
    out. One pass numbers the tokens, one sort of (token, document) keys counts them: a server reloads this after
    every edit, and a Counter per document took ~0.1 s for a delta of 9,000 passages."""
    numbers: dict[str, int] = {}
    flat = np.fromiter((numbers.setdefault(t, len(numbers)) for tokens in documents for t in tokens), dtype=np.int64)
    if not len(flat):
        return {}
    n = len(documents)
    document = np.repeat(np.arange(n, dtype=np.int64), [len(tokens) for tokens in documents])
    keys, counts = np.unique(flat * n + document, return_counts=True)  # sorted by token number, then document
    token, docs = np.divmod(keys, n)
    starts = np.flatnonzero(np.r_[True, token[1:] != token[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    names = list(numbers)
    tfs = counts.astype(np.float64)
    return {names[token[a]]: (docs[a:b], tfs[a:b]) for a, b in zip(starts.tolist(), ends.tolist())
            if names[token[a]]}


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` highest ``scores`` and of every score tied with the k-th (the caller breaks ties
    by row), unordered: a delta of thousands of passages adds k candidates to a search, not all of them."""
    if len(scores) <= k:
        return np.arange(len(scores))
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    return np.flatnonzero(scores >= kth)
