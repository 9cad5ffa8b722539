"""The search half of ``kg index``: embed new passage texts, then write BM25 and FAISS files.

Search files belong to a *generation* recorded in the index's meta table by the indexer's one
transaction: a new generation's files are written beside the old ones (temporary name, then rename),
and the old ones are deleted by the next run, so a reader's snapshot always finds the files it names
and a killed run leaves the previous generation in use.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import VaultgraphError
from . import lexical, vectors
from .cache import EmbeddingCache
from .embedders import DEFAULT_MODEL, Embedder, get_embedder
from .store import all_search_texts

SEARCH_VERSION = "2"
# Questions no research vault on LLMs answers. The best similarity any of them reaches in this vault is
# the dense floor: a passage linked to none of a question's concepts must be closer than that.
OFF_TOPIC = (
    "how long to bake sourdough bread", "weather in Lisbon tomorrow", "who won the football match last night",
    "best time to plant tomatoes", "cheap flights to Rome in May", "how to fix a leaking kitchen tap",
    "recipe for chocolate chip cookies", "train timetable from Berlin to Prague", "how to knit a scarf",
    "symptoms of the common cold", "как испечь блины на молоке", "погода в Москве на выходные",
    "кто выиграл чемпионат мира по хоккею", "когда сажать картошку на даче", "как почистить ковёр от пятен",
    "рецепт борща со свёклой", "расписание электричек до Твери", "как связать шарф спицами",
    "сколько стоит ремонт кухни", "чем лечить насморк у ребёнка",
)


@dataclass(frozen=True)
class SearchReport:
    passages: int
    embedded: int  # vectors computed this run (the rest came from the cache)
    model: str | None  # model spec, None when dense search is unavailable
    rebuilt: bool
    seconds: dict[str, float]
    warning: str | None = None
    reason: str | None = None  # why every passage was embedded again


def search_dir(root: Path) -> Path:
    return root / ".kg" / "search"


def files_of(root: Path, generation: str) -> tuple[Path, Path]:
    folder = search_dir(root)
    return folder / f"bm25-{generation}", folder / f"vectors-{generation}.faiss"


def collect_garbage(root: Path, generation: str | None) -> None:
    """Delete search files of other generations (only the writer calls this, under its lock)."""
    folder = search_dir(root)
    if not folder.is_dir():
        return
    keep = {p.name for p in files_of(root, generation)} if generation else set()
    for path in folder.iterdir():
        if path.name not in keep and path.name != "embeddings.sqlite" and not path.name.startswith("embeddings."):
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def refresh_search(root: Path, conn, meta: dict[str, str], changed: bool, model: str | None = None,
                   progress=None, threads: int | None = None) -> SearchReport:
    """Bring the search files up to date with the passages table; ``meta`` is updated in place."""
    spec = model or meta.get("model_spec") or DEFAULT_MODEL
    generation = meta.get("search_generation")
    collect_garbage(root, generation)
    have = generation is not None and all(p.exists() for p in files_of(root, generation))
    same = meta.get("model_spec") == spec and meta.get("search_version") == SEARCH_VERSION
    if have and same and not changed:
        count = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return SearchReport(count, 0, spec if meta.get("model_id") else None, False, {})

    reason = None
    if meta.get("model_spec") not in (None, spec):
        reason = f"the embedding model changed from {meta['model_spec']} to {spec}: every passage is embedded again"
    elif meta.get("search_version") not in (None, SEARCH_VERSION):
        reason = "the search index format changed: it is rebuilt"
    seconds: dict[str, float] = {}
    rows, digests, texts = all_search_texts(conn)
    new_generation = str(int(generation or 0) + 1)
    bm25_dir, faiss_path = files_of(root, new_generation)
    search_dir(root).mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    lexical.build(texts, rows, bm25_dir)
    seconds["bm25"] = time.perf_counter() - started

    warning, embedded, model_id = None, 0, ""
    try:
        embedder = get_embedder(spec, threads=threads)
    except VaultgraphError as exc:
        embedder, warning = None, f"dense search is off: {exc}"
    if embedder is not None:
        started = time.perf_counter()
        embedded = _embed_missing(root, embedder, digests, texts, progress)
        seconds["embed"] = time.perf_counter() - started
        started = time.perf_counter()
        cache = EmbeddingCache(search_dir(root) / "embeddings.sqlite", embedder.model_id, embedder.dim)
        try:
            matrix = cache.get(digests)
            if meta.get("model_spec") not in (None, spec):
                cache.prune(digests)
        finally:
            cache.close()
        import numpy as np

        vectors.build(matrix, np.asarray(rows, dtype=np.int64), faiss_path, threads=threads)
        seconds["faiss"] = time.perf_counter() - started
        model_id = embedder.model_id
        meta["dense_floor"] = f"{dense_floor(embedder, matrix):.4f}"
    meta.update({"search_generation": new_generation, "search_version": SEARCH_VERSION, "model_spec": spec,
                 "model_id": model_id})
    return SearchReport(len(rows), embedded, spec if embedder else None, True, seconds, warning, reason)


def dense_floor(embedder: Embedder, matrix) -> float:
    """The best similarity an off-topic question reaches among these passage vectors."""
    if not len(matrix):
        return 1.0
    queries = embedder.embed_batch([embedder.query_prefix + q for q in OFF_TOPIC])
    return float((queries @ matrix.T).max())


def _embed_missing(root: Path, embedder: Embedder, digests: list[str], texts: list[str], progress,
                   batch: int = 256) -> int:
    cache = EmbeddingCache(search_dir(root) / "embeddings.sqlite", embedder.model_id, embedder.dim)
    try:
        known = cache.known()
        todo = {d: t for d, t in zip(digests, texts) if d not in known}
        items = list(todo.items())
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            matrix = embedder.embed_passages([t for _, t in chunk])
            cache.put([d for d, _ in chunk], matrix)  # committed now: a killed run keeps what it embedded
            if progress:
                progress("embed", start + len(chunk), len(items))
        return len(items)
    finally:
        cache.close()


__all__ = ["SearchReport", "collect_garbage", "files_of", "refresh_search", "search_dir"]
