"""The lexical half of retrieval: BM25 (bm25s) over stemmed Russian and English tokens.

Tokens are words split at hyphens and punctuation, lower-cased, with ``ё`` read as ``е``; Cyrillic
words get the Snowball Russian stem and Latin words the Snowball English stem, so «LoRA-дообучение»,
«LoRA-дообучения» and «дообучением» meet, as do "fine-tuning", "fine-tuned" and "fine-tunes".
Stop words of both languages are dropped. The index is saved as a folder that is written under a
temporary name and renamed into place, so a reader never opens a half-written one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset("""
a an and are as at be by for from has have in into is it its of on or that the this to was were will with
what which how why when who does do did can could should would about vs versus than then there their these
those not no yes also more most less such each both between over under via per
и в во на с со к ко по о об от до из у за для при про как что это то же ли или но а не ни да бы был была
были быть есть его её ее их мы вы они она оно он так также чем чтобы если когда где кто какой какие
каков какова каковы чего чему ещё еще уже все всё весь между над под без через
""".split())


@lru_cache(maxsize=1)
def _stemmers():
    import Stemmer

    return Stemmer.Stemmer("english").stemWord, Stemmer.Stemmer("russian").stemWord


def tokenize(text: str) -> list[str]:
    en, ru = _stemmers()
    out = []
    for word in _WORD.findall(text.lower().replace("ё", "е")):
        if word in _STOP:
            continue
        if "\u0400" <= word[0] <= "\u04ff":
            out.append(ru(word))
        elif word.isascii():
            out.append(en(word) if word.isalpha() else word)
        else:
            out.append(word)
    return out


class Lexical:
    """A loaded BM25 index; ``rows[i]`` is the passage row of document ``i``."""

    def __init__(self, model, rows: np.ndarray, stats: dict | None = None):
        self.model = model
        self.rows = rows
        self._stats = stats or {}

    def vocabulary(self) -> dict[str, int]:
        return self.model.vocab_dict if self.model is not None else {}

    def stats(self) -> tuple[int, float]:
        """(documents, average document length in tokens) of the indexed passages."""
        return int(self._stats.get("documents", len(self.rows))), float(self._stats.get("avgdl", 1.0))

    def df(self, token: str) -> int:
        """How many indexed passages hold ``token``."""
        tid = self.vocabulary().get(token)
        if tid is None:
            return 0
        indptr = self.model.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid]) if tid + 1 < len(indptr) else 0

    def known(self, text: str) -> list[str]:
        """The tokens of ``text`` that occur in the indexed passages."""
        if self.model is None:
            return []
        return [t for t in tokenize(text) if t in self.model.vocab_dict]

    def search(self, query: str, k: int = 100) -> list[tuple[int, float]]:
        if self.model is None:
            return []
        tokens = [t for t in tokenize(query) if t in self.model.vocab_dict]
        if not tokens or not len(self.rows):
            return []
        k = min(k, len(self.rows))
        docs, scores = self.model.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(int(self.rows[d]), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def build(texts: list[str], rows: list[int], folder: Path) -> None:
    """Index ``texts`` (one per passage row) into ``folder`` atomically."""
    import bm25s

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    corpus = [tokenize(t) for t in texts]
    if any(corpus):  # bm25s cannot index an empty vocabulary: an empty vault has rows.npy only
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        model.save(str(tmp), show_progress=False)
    np.save(tmp / "rows.npy", np.asarray(rows, dtype=np.int64))
    avgdl = sum(map(len, corpus)) / len(corpus) if corpus else 1.0
    (tmp / "stats.json").write_text(json.dumps({"documents": len(rows), "avgdl": avgdl}))
    _fsync_tree(tmp)
    os.replace(tmp, folder)


def load(folder: Path) -> Lexical:
    rows = np.load(folder / "rows.npy")
    stats = json.loads((folder / "stats.json").read_text())
    if not (folder / "params.index.json").exists():
        return Lexical(None, rows, stats)
    import bm25s

    model = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
    return Lexical(model, rows, stats)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
