"""The lexical half of retrieval: BM25 (bm25s) over stemmed Russian and English tokens.

Tokens (``text.words.tokenize``) are words split at hyphens and punctuation, lower-cased, with ``ё`` read as ``е``; Cyrillic
words get the Snowball Russian stem (a fleeting vowel before a final к/ц dropped: «скачок» = «скачки») and Latin words the Snowball English stem, so «LoRA-дообучение»,
«LoRA-дообучения» and «дообучением» meet, as do "fine-tuning", "fine-tuned" and "fine-tunes".
Stop words of both languages are dropped, and the pieces English clitics leave ("model's", "don't"). The index is saved as a folder that is written under a
temporary name and renamed into place, so a reader never opens a half-written one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..text.words import tokenize, tokenize_many
from .folders import atomic_folder, reading

class Lexical:
    """A loaded BM25 index; ``rows[i]`` is the passage row of document ``i``.

    bm25s builds the index; a query reads the saved arrays directly with numpy (memory-mapped): a
    Lucene BM25 score is the sum of the precomputed per-(token, document) scores of the query's
    tokens, which is what ``bm25s.BM25.retrieve`` computes, without importing bm25s and scipy (1.5 s
    of a cold ``kg ask``)."""

    def __init__(self, folder: Path | None, rows: np.ndarray, stats: dict | None = None):
        self.rows = rows
        self._stats = stats or {}
        self._vocab: dict[str, int] = {}
        self._data = self._indices = self._indptr = None
        if folder is not None:
            self._vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
            self._data = np.load(folder / "data.csc.index.npy", mmap_mode="r")
            self._indices = np.load(folder / "indices.csc.index.npy", mmap_mode="r")
            self._indptr = np.load(folder / "indptr.csc.index.npy", mmap_mode="r")

    def vocabulary(self) -> dict[str, int]:
        return self._vocab

    def stats(self) -> tuple[int, float]:
        """(documents, average document length in tokens) of the indexed passages."""
        return int(self._stats.get("documents", len(self.rows))), float(self._stats.get("avgdl", 1.0))

    def df(self, token: str) -> int:
        """How many indexed passages hold ``token``."""
        tid = self._vocab.get(token)
        if tid is None or tid + 1 >= len(self._indptr):
            return 0
        return int(self._indptr[tid + 1] - self._indptr[tid])

    def documents_holding(self, token: str) -> np.ndarray:
        """The document numbers (``rows`` positions) of the passages whose text holds ``token``."""
        tid = self._vocab.get(token)
        if tid is None or tid + 1 >= len(self._indptr):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self._indices[int(self._indptr[tid]):int(self._indptr[tid + 1])])

    def rows_holding(self, token: str) -> np.ndarray:
        """The passage rows whose text holds ``token``."""
        return self.rows[self.documents_holding(token)]

    def known(self, text: str) -> list[str]:
        """The tokens of ``text`` that occur in the indexed passages."""
        return [t for t in tokenize(text) if t in self._vocab]

    def documents_of(self, rows: np.ndarray) -> np.ndarray:
        """The document numbers of passage ``rows`` (those indexed here)."""
        return np.flatnonzero(np.isin(self.rows, rows)) if len(rows) else np.zeros(0, dtype=np.int64)

    def search(self, query: str | dict[str, float], k: int = 100,
               without: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best passages for ``query``: a text, or tokens with weights (a weighted sum of the
        tokens' BM25 scores: a translation counts for less than a word the user typed), leaving out the
        documents ``without`` (``documents_of``)."""
        weights = query if isinstance(query, dict) else weigh(tokenize(query))
        ids = [(self._vocab[t], w) for t, w in weights.items() if t in self._vocab]
        ids = [(i, w) for i, w in ids if i + 1 < len(self._indptr)]
        if not ids or not len(self.rows):
            return []
        scores = np.zeros(len(self.rows), dtype=np.float32)
        for tid, weight in ids:
            start, end = int(self._indptr[tid]), int(self._indptr[tid + 1])
            data = self._data[start:end]
            np.add.at(scores, self._indices[start:end], data if weight == 1 else data * np.float32(weight))
        if without is not None and len(without):
            scores[without] = 0
        k = min(k, int(np.count_nonzero(scores)))
        if not k:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(int(self.rows[d]), float(scores[d])) for d in top]


def weigh(tokens: list[str]) -> dict[str, float]:
    """Query tokens as weights: a token typed twice counts twice, as BM25 sums it per occurrence."""
    out: dict[str, float] = {}
    for t in tokens:
        out[t] = out.get(t, 0.0) + 1.0
    return out


def build(texts: list[str], rows: list[int], folder: Path) -> None:
    """Index ``texts`` (one per passage row) into ``folder`` atomically."""
    import bm25s

    corpus = tokenize_many(texts)
    with atomic_folder(folder) as tmp:
        if any(corpus):  # bm25s cannot index an empty vocabulary: an empty vault has rows.npy only
            model = bm25s.BM25()
            model.index(corpus, show_progress=False)
            model.save(str(tmp), show_progress=False)
        np.save(tmp / "rows.npy", np.asarray(rows, dtype=np.int64))
        avgdl = sum(map(len, corpus)) / len(corpus) if corpus else 1.0
        (tmp / "stats.json").write_text(json.dumps({"documents": len(rows), "avgdl": avgdl}))


def load(folder: Path) -> Lexical:
    with reading(folder):
        rows = np.load(folder / "rows.npy")
        stats = json.loads((folder / "stats.json").read_text())
        return Lexical(folder if (folder / "params.index.json").exists() else None, rows, stats)

