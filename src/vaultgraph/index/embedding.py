"""Embedding what the index has no vector for yet, into the embedding cache, on every core.

``embed_missing`` asks the cache which passage texts lack a vector and embeds those in chunks of ``BATCH``,
each chunk committed to the cache as it arrives (a killed run keeps what it embedded). A first build of a
large vault spends most of its time here, on one core of two: past ``PARALLEL_ABOVE`` texts the chunks go to
``workers`` processes instead (spawned, each loading the model once and computing on one thread) while this
process writes what they return. The chunks are the ones one process would embed, each on one thread, so the
vectors are the same bits either way (``tests/test_embedding_workers.py``). Past ``BULK_ABOVE`` texts (a first
build of a large vault) the workers embed with the model's ``for_bulk`` variant: the default model in bfloat16
on the CPU's matrix units where torch and such a CPU are there (``index/use_bf16.py``, ~2x faster, vectors
within a cosine of 0.9999 of the others); below it no worker pays for importing torch.

A model that is instant (the fake one of the tests) or a user's ``--threads`` keeps to this process: the
threads setting says how many threads one model computes with, and two processes of two threads each would
only fight over two cores.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..layout import embeddings_db
from .cache import EmbeddingCache
from .embedders import Embedder, get_embedder

BATCH = 256  # texts a chunk: one cache commit, one progress step
PARALLEL_ABOVE = 2048  # fewer missing texts than this (~10 s of the default model's work) stay in this process
BULK_ABOVE = 20_000  # more missing texts than this: workers use the model's bulk variant (~1.5 s to load torch)

_WORKER: dict[str, Embedder] = {}


def embed_workers(embedder: Embedder, threads: int | None, missing: int) -> int:
    """How many processes embed ``missing`` texts: 1 (this one) or up to one per core."""
    if threads is not None or not embedder.parallel or missing <= PARALLEL_ABOVE:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def embed_missing(root: Path, embedder: Embedder, spec: str, digests: Sequence[str], texts: Sequence[str],
                  progress=None, threads: int | None = None, missing: set[str] | None = None) -> tuple[int, int]:
    """Vectors for the texts the cache lacks (``missing``, when the caller asked it already), put into it;
    returns (how many were embedded, processes used)."""
    cache = EmbeddingCache(embeddings_db(root), embedder.model_id, embedder.dim)
    try:
        missing = cache.missing(digests) if missing is None else missing
        todo = list({d: t for d, t in zip(digests, texts) if d in missing}.items())
        workers = embed_workers(embedder, threads, len(todo))
        bulk = workers > 1 and len(todo) > BULK_ABOVE
        if bulk:  # texts of a length together: a bulk variant pads a batch to its longest text
            todo.sort(key=lambda item: len(item[1]))
        chunks = [todo[start:start + BATCH] for start in range(0, len(todo), BATCH)]
        done = 0
        for chunk, matrix in zip(chunks, _embedded(embedder, spec, chunks, workers, bulk)):
            cache.put([d for d, _ in chunk], matrix)  # committed now: a killed run keeps what it embedded
            done += len(chunk)
            if progress:
                progress("embed", done, len(todo))
        return len(todo), workers
    finally:
        cache.close()


def _embedded(embedder: Embedder, spec: str, chunks: list, workers: int, bulk: bool = False):
    """Each chunk's vectors, in order: computed here, or by ``workers`` spawned processes."""
    if workers < 2:
        for chunk in chunks:
            yield embedder.embed_passages([t for _, t in chunk])
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # a fork would copy this process's threads and locks
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start,
                             initargs=(spec, bulk)) as pool:
        yield from pool.map(_embed_chunk, ([t for _, t in chunk] for chunk in chunks))


def _start(spec: str, bulk: bool = False) -> None:
    from ..runtime import exit_with_parent

    exit_with_parent()  # a killed `kg index` must not leave its workers waiting forever
    model = get_embedder(spec, threads=1)
    _WORKER["model"] = model.for_bulk() if bulk else model


def _embed_chunk(texts: list[str]):
    return _WORKER["model"].embed_passages(texts)


__all__ = ["BATCH", "BULK_ABOVE", "PARALLEL_ABOVE", "embed_missing", "embed_workers"]
