"""A large first embedding runs in worker processes, one per core, and gives the vectors one process gives.

The demo vault has ~1,200 passages, under ``PARALLEL_ABOVE``: the threshold is lowered here so that the real
default model embeds them in two spawned workers, and the result is compared with the same vault embedded in
this process (``--threads 1`` keeps a user's single process): the same vectors, bit for bit, and the same
answers. Past ``BULK_ABOVE`` (lowered too) the workers embed with the model's bulk variant, bfloat16 on the CPU's
matrix units where torch and such a CPU are there: the vectors agree to a cosine of 0.9999, the answers cite the
same lines first.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import DEMO_VAULT, demo_copy

from vaultgraph.index import embedding, use_bf16
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


def _cosines(a, b):
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _demo_texts(limit=400):
    texts = []
    for path in sorted(DEMO_VAULT.rglob("*.md")):
        texts += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20]
    return texts[:limit]


needs_bf16 = pytest.mark.skipif(not use_bf16.matrix_bf16_supported(),
                                reason="torch or a CPU with bfloat16 matrix instructions is missing")


@needs_bf16
def test_the_bulk_variant_computes_the_default_models_vectors():
    from vaultgraph.index.embedders import get_embedder

    model = get_embedder("use-multilingual", threads=1)
    bulk = model.for_bulk()
    assert isinstance(bulk, use_bf16.BF16Use) and bulk.model_id == model.model_id and bulk.dim == model.dim
    texts = _demo_texts() + ["x", "a" * 3000, "риски LoRA на цепочке рассуждений"]  # a one-token text, a long one
    exact, fast = model.embed_passages(texts), bulk.embed_passages(texts)
    assert fast.shape == exact.shape and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert _cosines(exact, fast).min() >= 0.9999
    assert not np.array_equal(exact, fast)  # computed another way: this is not the numpy model again
    # a text's vector does not depend on the texts batched with it (a batch is padded to its longest)
    assert _cosines(bulk.embed_passages(texts[:3]), fast[:3]).min() >= 0.99999


def test_without_torch_or_bfloat16_the_model_is_its_own_bulk_variant(monkeypatch):
    from vaultgraph.index.embedders import FakeEmbedder, get_embedder

    monkeypatch.setattr(use_bf16, "matrix_bf16_supported", lambda: False)
    model = get_embedder("use-multilingual", threads=1)
    assert model.for_bulk() is model
    fake = FakeEmbedder()
    assert fake.for_bulk() is fake


def test_a_torch_that_cannot_take_the_weights_leaves_the_numpy_model(monkeypatch):
    from vaultgraph.index.embedders import get_embedder

    def broken(self, model):
        raise OSError("libtorch_cpu.so: cannot open shared object file")

    monkeypatch.setattr(use_bf16, "matrix_bf16_supported", lambda: True)
    monkeypatch.setattr(use_bf16.BF16Use, "__init__", broken)
    model = get_embedder("use-multilingual", threads=1)
    assert model.for_bulk() is model


@needs_bf16
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: kg embeds in its own process")
def test_a_large_first_embedding_uses_the_bulk_variant_on_the_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_MODEL", "use-multilingual")
    monkeypatch.setattr(embedding, "PARALLEL_ABOVE", 100)
    monkeypatch.setattr(embedding, "BULK_ABOVE", 100)
    alone, bulk = demo_copy(tmp_path / "alone"), demo_copy(tmp_path / "bulk")
    one = index_vault(alone, model="use-multilingual", threads=1)
    two = index_vault(bulk, model="use-multilingual")
    assert one.search.embed_workers == 1 and two.search.embed_workers == 2
    exact, fast = _vectors(alone), _vectors(bulk)
    assert _cosines(exact, fast).min() >= 0.9999 and not np.array_equal(exact, fast)
    firsts = [[a["citations"][0] for a in answer["answers"][:1]] for answer in _answers(alone)]
    assert firsts == [[a["citations"][0] for a in answer["answers"][:1]] for answer in _answers(bulk)]
