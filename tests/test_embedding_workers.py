"""A large first embedding runs in worker processes, one per core, and gives the vectors one process gives.

The demo vault has ~1,200 passages, under ``PARALLEL_ABOVE``: the threshold is lowered here so that the real
default model embeds them in two spawned workers, and the result is compared with the same vault embedded in
this process (``--threads 1`` keeps a user's single process): the same vectors, bit for bit, and the same
answers.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import demo_copy

from vaultgraph.index import embedding
from vaultgraph.index.cache import EmbeddingCache
from vaultgraph.layout import embeddings_db
from vaultgraph.service.asking import Searcher
from vaultgraph.service.indexing import index_vault
from vaultgraph.store import reader

QUESTIONS = ("risks of LoRA on chain-of-thought", "чем опасен reward hacking")


def _vectors(root):
    with reader(root) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        digests = [r[0] for r in conn.execute("SELECT digest FROM passages ORDER BY row")]
    cache = EmbeddingCache(embeddings_db(root), meta["model_id"], 512)
    try:
        return cache.get(digests)
    finally:
        cache.close()


def _answers(root):
    searcher = Searcher(root)
    try:
        return [searcher.ask(q).to_dict() for q in QUESTIONS]
    finally:
        searcher.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: kg embeds in its own process")
def test_two_workers_embed_the_vectors_one_process_embeds(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_MODEL", "use-multilingual")
    monkeypatch.setattr(embedding, "PARALLEL_ABOVE", 100)
    alone, shared = demo_copy(tmp_path / "alone"), demo_copy(tmp_path / "shared")
    one = index_vault(alone, model="use-multilingual", threads=1)
    two = index_vault(shared, model="use-multilingual")
    assert one.search.embed_workers == 1 and two.search.embed_workers == 2
    assert one.search.embedded == two.search.embedded > 1000
    assert np.array_equal(_vectors(alone), _vectors(shared))
    assert _answers(alone) == _answers(shared)


def test_a_small_batch_or_the_fake_model_stays_in_this_process():
    from vaultgraph.index.embedders import FakeEmbedder, get_embedder

    assert embedding.embed_workers(FakeEmbedder(), None, 10 ** 6) == 1
    real = get_embedder("use-multilingual")
    assert embedding.embed_workers(real, None, embedding.PARALLEL_ABOVE) == 1
    assert embedding.embed_workers(real, 1, 10 ** 6) == 1  # the user's --threads
    assert embedding.embed_workers(real, None, 10 ** 6) == min(2, os.cpu_count() or 1)
