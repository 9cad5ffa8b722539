"""Embedders turn passages and questions into unit vectors.

One abstract method, ``embed_batch``; real models are imported on first use, never at import time,
so ``kg`` starts fast and a test can run with the deterministic ``FakeEmbedder``.

    Embedder (abstract: embed_batch)
    ├── FakeEmbedder               hashed stemmed tokens: deterministic, instant, for tests
    └── real backends              see ``vaultgraph.index.models`` (loaded by ``get_embedder``)

A model is named by a *spec* string: ``fake``, a registered short name (see ``MODELS``), or
``st:NAME_OR_PATH`` for any sentence-transformers model. ``model_id`` (spec + backend version) is
what the index records: vectors from another model are never mixed with these.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Maps texts to L2-normalised float32 vectors of a fixed dimension."""

    #: what the index records; vectors with another ``model_id`` are recomputed
    model_id: str = "abstract"
    #: vector dimension
    dim: int = 0
    #: passages and questions are embedded differently by some models (e5: "query: " / "passage: ")
    query_prefix: str = ""
    passage_prefix: str = ""
    #: a word embedded alone lands near its translations (``index/words.py`` translates question words with it)
    multilingual: bool = False
    #: worth embedding a large batch in worker processes (``index/embedding.py``), each loading it by its spec
    parallel: bool = True

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape ``(len(texts), dim)``, float32, each row of unit length."""

    def embed_passages(self, texts: Sequence[str], batch_size: int = 64, progress=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = [self.passage_prefix + t for t in texts[start:start + batch_size]]
            out[start:start + len(chunk)] = self.embed_batch(chunk)
            if progress:
                progress("embed", start + len(chunk), len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([self.query_prefix + text])[0]

    def keep_weights(self, folder) -> None:
        """Leave in ``folder`` (the index's, ``layout.models_dir``) what makes a later load of this model faster,
        read by ``get_embedder(..., kept=folder)``; nothing for most models."""

    def for_bulk(self) -> Embedder:
        """The same model for a large batch, computed the fastest way this machine allows (its vectors agree
        with this one's to a cosine of 0.9999): what the worker processes of a first build embed with."""
        return self


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder(Embedder):
    """Deterministic bag of hashed, crudely stemmed words (and word pairs): no model, no randomness.

    Texts sharing words are close, others are near-orthogonal; good enough to test the pipeline's
    plumbing, useless across languages, which is exactly what a test of the real model must show.
    """

    parallel = False  # instant: a worker process would cost more than it saves

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.model_id = f"fake-{dim}"

    def _features(self, text: str) -> list[str]:
        words = [w.lower()[:6] for w in _WORD.findall(text)]
        return words + [f"{a} {b}" for a, b in zip(words, words[1:])]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, slot] += sign * (0.5 if " " in feature else 1.0)
            norm = math.sqrt(float(out[row] @ out[row]))
            if norm:
                out[row] /= norm
        return out


_LOADED: dict[tuple[str, int | None], Embedder] = {}
_LOADING = threading.Lock()


def get_embedder(spec: str | None = None, threads: int | None = None, kept=None) -> Embedder:
    """The embedder a spec names (``None``: the default model). Imports the model lazily, once per process:
    ``kg watch`` and a long-lived ``Searcher`` re-index and ask many times, and a load costs ~1 s. ``kept``: the
    folder where an index keeps the model's weights (``Embedder.keep_weights``), read if they are there."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec == "fake" or spec.startswith("fake-"):
        return FakeEmbedder(int(spec.split("-", 1)[1]) if "-" in spec else 256)
    from .models import load_model

    with _LOADING:
        if (spec, threads) not in _LOADED:
            _LOADED[spec, threads] = load_model(spec, threads=threads, kept=kept)
        return _LOADED[spec, threads]


# Chosen by hit@5 of the whole pipeline first, speed second (benchmarks/ask_bench.py, embed_bench.py; see
# README). Alone, e5-small retrieves better (dense hit@5 0.64 vs 0.46 on the demo gold set), but inside
# kg ask, where BM25 and the graph carry most of the answer, both land at 0.89-0.90, and USE embeds
# passages ~25x faster (a 2,000-note vault in minutes, not hours) and is better across languages.
DEFAULT_MODEL = "use-multilingual"
