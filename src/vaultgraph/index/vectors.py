"""The dense half of retrieval: passage vectors in FAISS, ids = passage rows.

Exact inner product (``IndexFlatIP``) while the vault is small; past ``APPROXIMATE_ABOVE`` passages an
HNSW graph. Measured in ``benchmarks/index_bench.py`` on a 10,000-note vault's own vectors (one thread):
exact search takes 24 ms at 100k vectors and 56 ms at 200k (a query's whole budget is 50 ms), HNSW
1.5-1.8 ms at recall@10 0.98-0.99; building the HNSW graph costs ~60 s per 100k vectors, paid when
a search base is rebuilt. The file is written under a temporary name and renamed into place; readers map it read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

APPROXIMATE_ABOVE = 100_000
HNSW_M = 32
HNSW_EF_SEARCH = 96


def _faiss():
    import faiss  # ~0.5 s to import: only when vectors are built or searched

    return faiss


class Vectors:
    def __init__(self, index):
        self.index = index

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int = 100, without=None) -> list[tuple[int, float]]:
        """The ``k`` nearest passage rows, leaving out those of ``without`` (``excluding``) inside the search
        itself: asking for ``k`` plus the excluded rows instead made an HNSW search as slow as its ``k``."""
        if not self.index.ntotal:
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, self.index.ntotal)
        scores, ids = self.index.search(query, k, params=without[0]) if without else self.index.search(query, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def excluding(self, rows: np.ndarray):
        """Search parameters that leave passage ``rows`` out (``None`` when there are none). The selector is
        returned with them: FAISS keeps only a pointer to it."""
        if not len(rows):
            return None
        faiss = _faiss()
        selector = faiss.IDSelectorNot(batch := faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)))
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "index") else self.index
        if hasattr(inner, "hnsw"):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=inner.hnsw.efSearch)
        else:
            params = faiss.SearchParameters(sel=selector)
        return params, selector, batch

    def reconstruct(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of passage ``rows`` (every one must be in the index)."""
        if not rows:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))


def build(vectors: np.ndarray, rows: np.ndarray, path: Path, threads: int | None = None) -> None:
    faiss = _faiss()
    if threads:
        faiss.omp_set_num_threads(threads)
    dim = vectors.shape[1]
    if len(vectors) > APPROXIMATE_ABOVE:
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        inner = faiss.IndexFlatIP(dim)
    index = faiss.IndexIDMap2(inner)
    if len(vectors):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(rows, dtype=np.int64))
    tmp = path.with_name(path.name + ".tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load(path: Path, threads: int | None = 1) -> Vectors:
    faiss = _faiss()
    if threads:
        faiss.omp_set_num_threads(threads)
    from .folders import reading

    with reading(path):
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    if hasattr(inner, "hnsw"):
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    return Vectors(index)
