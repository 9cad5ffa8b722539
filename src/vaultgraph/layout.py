"""The ``VAULT/.kg/`` folder: every path kg writes, spelled once.

::

    VAULT/.kg/
      index.sqlite            parsed notes, links, passages, terms, meta, the graph journal (store/sqlite.py),
                              the reasoning's station edges (reason/store.py)
      lock                    the one writer's flock (store/sqlite.py)
      server.json             how to reach a running kg serve: port, pid, token; owner-only (service/live.py)
      graph/ | graph-N/       the Oxigraph store the index's meta names (graph/store.py)
      concepts.json           the vault's concept index, built, for readers (index/concepts.py)
      models/                 the embedding model's weights as it loads fastest, if it has such (index/kept_use.py)
      search/
        embeddings.sqlite     vectors by (model, text digest) (index/cache.py)
        bm25-G/               a base's BM25 arrays (index/lexical.py)
        vectors-G.faiss       a base's FAISS index (index/vectors.py)
        links-G/              a base's concept → passage links (index/links.py)
        delta-G.npz           the passages added since base G (index/delta.py)
        words-G.npz           a base's (or delta's) words and vectors (index/words.py)

Nothing is written outside this folder unless asked (``kg export --out``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

KG = ".kg"
GRAPH = "graph"  # the store folder of an index that names none


def kg_dir(root: Path) -> Path:
    return Path(root) / KG


def index_db(root: Path) -> Path:
    return kg_dir(root) / "index.sqlite"


def lock_file(root: Path) -> Path:
    return kg_dir(root) / "lock"


def server_file(root: Path) -> Path:
    """Where a running ``kg serve`` says how to reach it (port, pid, token): ``service/live.py``."""
    return kg_dir(root) / "server.json"


def graph_dir(root: Path, name: str = GRAPH) -> Path:
    return kg_dir(root) / name


def graph_dirs(root: Path) -> Iterator[Path]:
    """Every graph store folder there is (``graph``, ``graph-N``, a killed run's half-built one)."""
    return kg_dir(root).glob(GRAPH + "*")


def next_graph_name(generation: int) -> str:
    return f"{GRAPH}-{generation}"


def concepts_cache(root: Path) -> Path:
    return kg_dir(root) / "concepts.json"


def models_dir(root: Path) -> Path:
    return kg_dir(root) / "models"


def search_dir(root: Path) -> Path:
    return kg_dir(root) / "search"


def embeddings_db(root: Path) -> Path:
    return search_dir(root) / "embeddings.sqlite"


def bm25_dir(root: Path, generation: str) -> Path:
    return search_dir(root) / f"bm25-{generation}"


def vectors_file(root: Path, generation: str) -> Path:
    return search_dir(root) / f"vectors-{generation}.faiss"


def links_dir(root: Path, generation: str) -> Path:
    return search_dir(root) / f"links-{generation}"


def delta_file(root: Path, generation: str) -> Path:
    return search_dir(root) / f"delta-{generation}.npz"


def delta_vectors_name(generation: str) -> str:
    """The file name of the vectors a delta generation added (``index/delta.py``), beside its delta file."""
    return f"delta-vectors-{generation}.npy"


def words_file(root: Path, generation: str) -> Path:
    return search_dir(root) / f"words-{generation}.npz"


def vault_of(path: Path) -> Path:
    """The vault a file under its ``.kg`` folder belongs to (the file's folder for any other file)."""
    return next((p.parent for p in path.parents if p.name == KG), path.parent)


__all__ = ["GRAPH", "KG", "bm25_dir", "concepts_cache", "delta_file", "delta_vectors_name", "embeddings_db",
           "graph_dir", "graph_dirs", "index_db", "kg_dir", "links_dir", "lock_file", "models_dir", "next_graph_name",
           "search_dir", "vault_of", "vectors_file", "words_file"]
