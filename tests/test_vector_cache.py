"""The embedding cache read in its own order into a file in passage order (``copy_ordered``, ``read_rows``): what a
new search base's FAISS index is filled from."""

import tempfile

import numpy as np
import pytest

from vaultgraph.errors import IndexChanged
from vaultgraph.index.cache import EmbeddingCache, read_rows


@pytest.fixture
def cache(tmp_path):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite", "m", 8)
    yield cache
    cache.close()


def test_vectors_come_back_in_the_order_asked_duplicates_included(cache, tmp_path):
    rng = np.random.default_rng(1)
    names = [f"{i:04x}" for i in range(300)]
    matrix = rng.normal(size=(300, 8)).astype(np.float32)
    cache.put(names, matrix)
    cache.put(["other"], rng.normal(size=(1, 8)))  # a stale vector no passage has: left out
    asked = [names[i] for i in rng.permutation(300)] + names[:5] + [names[7]]  # texts repeated by later passages
    with tempfile.TemporaryFile(dir=tmp_path) as ordered:
        cache.copy_ordered(asked, ordered)
        assert np.array_equal(read_rows(ordered, 8, np.arange(len(asked))), cache.get(asked))
        sample = np.sort(rng.choice(len(asked), 40, replace=False))
        assert np.array_equal(read_rows(ordered, 8, sample), cache.get([asked[i] for i in sample]))
        assert read_rows(ordered, 8, np.arange(0)).shape == (0, 8)


def test_a_vector_missing_from_the_cache_is_said_not_read_as_zeros(cache, tmp_path):
    cache.put(["a"], np.ones((1, 8)))
    with tempfile.TemporaryFile(dir=tmp_path) as ordered, pytest.raises(IndexChanged, match="1 vectors are missing"):
        cache.copy_ordered(["a", "b"], ordered)
