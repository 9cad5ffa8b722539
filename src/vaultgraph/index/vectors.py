"""The dense half of retrieval: passage vectors in FAISS, ids = passage rows.

Exact inner product (``IndexFlatIP``) while the vault is small; past ``APPROXIMATE_ABOVE`` passages an
inverted file whose lists hold each vector in float16 (``IndexIVFScalarQuantizer`` QT_fp16, 2*sqrt(n) lists,
k-means on 40 vectors per list, 96 lists probed). Measured by ``benchmarks/vector_bench.py`` on a 10,000-note
vault's own 512-d vectors (393,673), one search thread, k=100, recall@10 against exact search on 200 noisy
stored vectors, one run on 2 shared cores:

    candidate (393k vectors)          build 1 / 2 threads   search p50   recall@10   file
    exact                             0.2 s                 76.9 ms      1.000       769 MiB
    HNSW M32 (before)                 111.5 / 70.9 s        0.61 ms      0.981       871 MiB
    HNSW M16 efConstruction 20        46.1 / 35.6 s         0.41 ms      0.920       823 MiB
    IVF-Flat 2*sqrt(n), nprobe 96     8.5 / 11.0 s          5.0 ms       0.984       777 MiB   (then chosen)
    IVF-Flat 4*sqrt(n), nprobe 128    21.5 / 25.1 s         3.4 ms       0.984       780 MiB
    IVF-SQ8 + flat refine, nprobe 96  24.4 / 29.1 s         1.7 ms       0.979       969 MiB

Exact search takes 25 ms at 100k and 35 ms at 200k (a question's whole budget is 50 ms). The IVF nprobe
needed for recall@10 >= 0.98 on separate tuning queries was 48 at 25k-100k, 64 at 200k, 96 at 393k. The
float32 lists were 805 MB in the memory of a first build, on top of all it holds then (a peak of ~2 GiB at
10,000 notes); in float16 (``--only "IVF-Flat nlist=2" IVF-SQfp16``, same run, 393,486 vectors): IVF-Flat 7.7 /
5.4 s, 4.63 ms, recall@10 0.984, 777 MiB; IVF-SQfp16 7.6 / 4.4 s, 3.07 ms, 0.984, 393 MiB (a stored vector is
read back to ~1e-3, a dense score moves by less). HNSW and IVF-Flat files written before these choices still
load and search (``excluding`` handles them all). As shipped (``--shipped``: built by ``build``, mapped by
``load``, searched through ``Vectors.search``): built in 5.1 s with 2 threads, p50 2.92 ms at recall@10 0.984
(3.47 ms, 0.981 with 1,000 rows excluded; float32 lists: 7.6 s, 4.6 ms, 0.984 / 4.9 ms, 0.979). The file is
written under a temporary name and renamed into place; readers map it read-only without copying
(``IO_FLAG_MMAP_IFC``: with ``IO_FLAG_MMAP`` the IVF searched in 8.3 ms).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

APPROXIMATE_ABOVE = 100_000
HNSW_EF_SEARCH = 96  # files written before the IVF choice are HNSW graphs: they still load and search
IVF_LISTS_PER_ROOT = 2  # nlist = this * sqrt(n)
IVF_TRAIN_PER_LIST = 40  # k-means sample: this many vectors per list
IVF_NPROBE = 96


def training_positions(n: int, nlist: int) -> np.ndarray | None:
    """The positions of the k-means sample among ``n`` vectors (sorted, reproducible); None: all of them."""
    sample = min(n, IVF_TRAIN_PER_LIST * nlist)
    return np.sort(np.random.default_rng(0).choice(n, sample, replace=False)) if sample < n else None


def ivf_index(faiss, sample: np.ndarray, nlist: int, half: bool = True):
    """An empty inverted-file index (normalised vectors: inner product = cosine) in ``nlist`` lists, its
    centroids trained on ``sample`` (``training_positions``), keeping a direct map so stored vectors can be
    reconstructed. ``half``: the lists hold each vector in float16 (themselves, not their residuals), half the
    memory of float32 ones (``IndexIVFFlat``, ``half=False``)."""
    quantizer = faiss.IndexFlatIP(sample.shape[1])
    if half:
        index = faiss.IndexIVFScalarQuantizer(quantizer, sample.shape[1], nlist, faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT, False)
    else:
        index = faiss.IndexIVFFlat(quantizer, sample.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.own_fields = True
    quantizer.this.disown()
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.make_direct_map()
    index.nprobe = IVF_NPROBE
    return index


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
        elif hasattr(inner, "nprobe"):  # IVF: parameters of another type are refused, nprobe defaults to 1
            params = faiss.SearchParametersIVF(sel=selector, nprobe=inner.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
        return params, selector, batch

    def reconstruct(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of passage ``rows`` (every one must be in the index)."""
        if not rows:
            return np.zeros((0, self.index.d), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))


CHUNK = 32_768  # vectors read and added at a time (64 MiB of 512-d floats)


def build(vectors: np.ndarray | Callable[[np.ndarray], np.ndarray], rows: np.ndarray, path: Path,
          threads: int | None = None, seen: Callable[[np.ndarray], None] | None = None) -> None:
    """Write the index of ``rows``' vectors to ``path``. ``vectors``: an array, or a function giving the vectors
    at some positions of ``rows`` (read from the embedding cache a chunk at a time, so that only the index holds
    them all: 393k vectors were 805 MB, held twice more while read whole). ``seen`` gets every chunk."""
    faiss = _faiss()
    if threads:
        faiss.omp_set_num_threads(threads)
    at = vectors.__getitem__ if isinstance(vectors, np.ndarray) else vectors
    n = len(rows)
    index = None
    if n > APPROXIMATE_ABOVE:
        nlist = int(IVF_LISTS_PER_ROOT * math.sqrt(n))
        sample = training_positions(n, nlist)
        index = faiss.IndexIDMap2(ivf_index(faiss, at(np.arange(n) if sample is None else sample), nlist))
    for start in range(0, n, CHUNK):
        chunk = np.ascontiguousarray(at(np.arange(start, min(n, start + CHUNK))), dtype=np.float32)
        if index is None:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(chunk.shape[1]))
        index.add_with_ids(chunk, np.asarray(rows[start:start + CHUNK], dtype=np.int64))
        if seen is not None:
            seen(chunk)
    if index is None:  # no passage at all
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(at(np.arange(0)).shape[1]))
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
        # zero-copy map: an IVF mapped with IO_FLAG_MMAP searched in 8.3 ms instead of 5.0 (393k vectors)
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
    if hasattr(inner, "hnsw"):
        inner.hnsw.efSearch = HNSW_EF_SEARCH
    elif hasattr(inner, "nprobe"):
        inner.nprobe = IVF_NPROBE
    return Vectors(index)
