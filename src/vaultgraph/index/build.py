"""The search half of ``kg index``: embed new passage texts, then write the search files.

Search files belong to *generations* recorded in the index's meta table by the indexer's one
transaction. A *base* generation is a BM25 folder, a FAISS file and the concept links (``links.py``)
over every passage; a later run that changed little writes only a *delta* (see ``delta.py``): the
passages added since the base and the base rows deleted since. New files are written beside the old ones (temporary name, then
rename) and the old ones are deleted by the next run, so a reader's snapshot always finds the files
it names and a killed run leaves the previous generation in use. Which files a generation is made of, whether
they look whole and deleting the others: ``generations.py`` (standard library only).
"""

from __future__ import annotations

import json
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from ..errors import IndexDamaged, VaultgraphError
from ..layout import delta_file, embeddings_db, links_dir, models_dir, search_dir, words_file
from ..store.sqlite import select_in
from ..text.words import tokenize_many
from ..versions import SEARCH_VERSION
from . import delta, lexical, links, vectors, words
from .cache import EmbeddingCache, read_rows
from .calibration import Calibration
from .embedders import DEFAULT_MODEL, Embedder, get_embedder
from .embedding import embed_missing
from .folders import reading
from .generations import SearchReport, collect_garbage, damage, files_of, needed, sizes
from .passages import search_text
from .store import all_search_texts

# A new base missing more vectors than this (~25 s of the default model on two cores) is first written without
# them, so that the vault answers from words and the graph while they are computed (service.indexing.index_vault).
DEFER_ABOVE = 20_000
# An index of more passages than this keeps a copy of the model's weights that loads faster (``keep_weights``): by
# then its index is larger than the copy (79 MB for the default model), and the copy costs a first index 0.3 s.
KEEP_WEIGHTS_ABOVE = 20_000


def refresh_search(root: Path, conn, meta: dict[str, str], changed: bool, model: str | None = None,
                   progress=None, threads: int | None = None, force: bool = False,
                   defer_above: int | None = None) -> SearchReport:
    """Bring the search files up to date with the passages table; ``meta`` is updated in place. Damaged files
    (``damage``) are rebuilt; ``force`` builds a new base whatever the state. A new base missing more than
    ``defer_above`` vectors is written without any (``SearchReport.pending``, ``meta["vectors_pending"]``): a
    later call without ``defer_above`` writes the base with them."""
    spec = model or meta.get("model_spec") or DEFAULT_MODEL
    collect_garbage(root, meta)
    broken = damage(root, meta) if needed(root, meta) else None
    have = bool(needed(root, meta)) and not broken
    same = meta.get("model_spec") == spec and meta.get("search_version") == SEARCH_VERSION
    _drop_damaged_cache(root)
    pending_before = int(meta.get("vectors_pending") or 0)  # a run stopped before it wrote the vectors it left
    if have and same and not changed and not force and not pending_before:
        if "search_files" not in meta:  # an index written before the sizes were kept
            meta["search_files"] = json.dumps(sizes(root, meta))
        count = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return SearchReport(count, 0, spec if meta.get("model_id") else None, False, {})
    reason = None
    if broken:
        reason = f"the search files were damaged ({broken}): they were rebuilt"
    elif meta.get("model_spec") not in (None, spec):
        reason = f"the embedding model changed from {meta['model_spec']} to {spec}: every passage is embedded again"
    elif meta.get("search_version") not in (None, SEARCH_VERSION):
        reason = "the search index format changed: it is rebuilt"
    warning, embedder = None, None
    try:
        embedder = get_embedder(spec, threads=threads, kept=models_dir(root))
    except VaultgraphError as exc:
        warning = f"dense search is off: {exc}"
    if have and same and not force and bool(meta.get("model_id")) == (embedder is not None):
        try:
            report = _write_delta(root, conn, meta, embedder, progress, threads)
        except IndexDamaged as exc:  # what the sizes could not tell: a file that does not read
            report, reason = None, f"the search files were damaged ({exc.why}): they were rebuilt"
        if report is not None:
            meta["search_files"] = json.dumps(sizes(root, meta))
            return _keeping(root, embedder, report)
    # the base a deferring run wrote, whole but for its vectors: they are added to it, its BM25 and links kept
    fill = pending_before and have and same and not changed and not force and embedder is not None \
        and meta.get("search_generation") == meta.get("search_base")
    missing = _missing(root, embedder, conn) if embedder is not None and defer_above is not None and not fill \
        else None
    pending = len(missing) if missing is not None else 0
    if defer_above is not None and pending > defer_above:
        report = _write_base(root, conn, meta, spec, None, progress, threads, warning, reason)
        report = SearchReport(report.passages, 0, None, True, report.seconds, warning, reason, pending=pending)
        meta.update({"model_spec": spec, "vectors_pending": str(pending)})
    else:
        report = _write_base(root, conn, meta, spec, embedder, progress, threads, warning, reason,
                             generation=meta["search_base"] if fill else None, missing=missing)
        meta["vectors_pending"] = "0"
    meta["search_files"] = json.dumps(sizes(root, meta))
    return _keeping(root, embedder, report)


def _keeping(root: Path, embedder: Embedder | None, report: SearchReport) -> SearchReport:
    """``report``, the model's weights kept for the processes that answer from an index past ``KEEP_WEIGHTS_ABOVE``
    passages (the count the write already made)."""
    if embedder is not None and report.passages > KEEP_WEIGHTS_ABOVE:
        embedder.keep_weights(models_dir(root))
    return report


def _missing(root: Path, embedder: Embedder, conn) -> set[str]:
    """The digests of the passages' texts that have no vector in the cache yet."""
    digests = [r[0] for r in conn.execute("SELECT DISTINCT digest FROM passages")]
    if not embeddings_db(root).exists():
        return set(digests)
    cache = EmbeddingCache(embeddings_db(root), embedder.model_id, embedder.dim)
    try:
        return cache.missing(digests)
    finally:
        cache.close()


def _drop_damaged_cache(root: Path) -> None:
    """The embedding cache is only a cache: a damaged one is deleted (its vectors are computed again)."""
    from ..store.sqlite import damage as sqlite_damage

    cache = embeddings_db(root)
    if sqlite_damage(cache):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)


def _write_delta(root: Path, conn, meta: dict[str, str], embedder: Embedder | None, progress,
                 threads: int | None = None) -> SearchReport | None:
    """A delta over the current base, or None when the change is too big for one (build a base then).
    It extends the delta in use: only the rows added since are read, embedded and tokenized."""
    started = time.perf_counter()
    base = meta["search_base"]
    with reading(files_of(root, base)[0]):
        base_rows = np.load(files_of(root, base)[0] / "rows.npy", mmap_mode="r")
    top = int(base_rows.max()) if len(base_rows) else 0
    previous = delta.load(delta_file(root, meta["search_generation"]), vectors=False) \
        if meta["search_generation"] != base else delta.Delta()
    if len(previous.chunks) >= delta.CHUNKS_MAX:  # this run writes the live vectors into one file
        previous.vectors = delta.gather(delta_file(root, meta["search_generation"]), previous)
    after = max(top, int(previous.rows.max()) if len(previous.rows) else 0)
    graveyard = [r[0] for r in conn.execute("SELECT row FROM passage_graveyard ORDER BY row")]
    dead = np.asarray([r for r in graveyard if r <= top], dtype=np.int64)
    gone = np.asarray([r for r in graveyard if r > top], dtype=np.int64)  # rows of the delta deleted since
    new = conn.execute("SELECT row, digest, context, text FROM passages WHERE row > ? ORDER BY row", (after,)).fetchall()
    if delta.too_big(len(previous.rows) - int(np.isin(previous.rows, gone).sum()) + len(new) + len(dead),
                     len(base_rows)):
        return None
    texts = [search_text(r["context"], r["text"]) for r in new]
    digests = [r["digest"] for r in new]
    vectors, embedded, workers = None, 0, 1
    if embedder is not None:
        embedded, workers = embed_missing(root, embedder, meta["model_spec"], digests, texts, progress, threads)
        cache = EmbeddingCache(embeddings_db(root), embedder.model_id, embedder.dim)
        try:
            vectors = cache.get(digests)
        finally:
            cache.close()
    fresh = delta.Delta(np.asarray([r["row"] for r in new], dtype=np.int64), vectors,
                        tokenize_many(texts), dead, links.read_table(conn, after=after))
    generation = str(int(meta["search_generation"]) + 1)
    if embedder is not None and embedder.multilingual and meta.get("words") == "1":
        base_words = words.load(words_file(root, base))
        before = words.load(words_file(root, meta["search_generation"])) if meta["search_generation"] != base \
            else words.Words()
        paths = sorted({r["path"] for r in conn.execute(
            "SELECT DISTINCT path FROM passages WHERE row > ?", (after,))})
        added = _embed_words(root, embedder, words.surfaces(texts + _term_texts(conn, paths),
                                                             set(base_words.stems) | set(before.stems)), base_words)
        words.save(words.concat(before, added), words_file(root, generation))
    extended = delta.extend(previous, gone, fresh, dead, generation)
    delta.save(extended, delta_file(root, generation))
    meta.update(search_generation=generation, delta_chunks=",".join(extended.chunks))
    count = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    return SearchReport(count, embedded, meta["model_spec"] if embedder else None, True,
                        {"delta": time.perf_counter() - started}, embed_workers=workers)


def _write_base(root: Path, conn, meta: dict[str, str], spec: str, embedder: Embedder | None, progress,
                threads: int | None, warning: str | None, reason: str | None,
                generation: str | None = None, missing: set[str] | None = None) -> SearchReport:
    """A new base over every passage; or, given the ``generation`` of a base written without vectors whose
    passages are unchanged, that base's vectors (its BM25 and links are kept: readers do not look for a FAISS
    file until the index names a model, and a killed run's one is garbage to ``collect_garbage``). ``missing``:
    the texts without a vector, when the caller has asked the cache already (``_missing``)."""
    seconds: dict[str, float] = {}
    rows, digests, texts = all_search_texts(conn)
    new = generation is None
    generation = generation or str(int(meta.get("search_generation") or 0) + 1)
    bm25_dir, faiss_path = files_of(root, generation)
    search_dir(root).mkdir(parents=True, exist_ok=True)

    if new:
        started = time.perf_counter()
        lexical.build(texts, rows, bm25_dir)
        seconds["bm25"] = time.perf_counter() - started
        started = time.perf_counter()
        links.save(links.read_table(conn), links_dir(root, generation))
        seconds["links"] = time.perf_counter() - started
    embedded, model_id, workers = 0, "", 1
    if embedder is not None:
        started = time.perf_counter()
        embedded, workers = embed_missing(root, embedder, spec, digests, texts, progress, threads, missing)
        seconds["embed"] = time.perf_counter() - started
        counts = None
        if embedder.multilingual:  # a word alone means something only to a multilingual model
            started = time.perf_counter()
            counts = words.surfaces(texts + _term_texts(conn))
            seconds["words"] = time.perf_counter() - started
        del texts  # 192 MB of str at 10,000 notes, not to be held beside the vectors' index
        started = time.perf_counter()
        cache = EmbeddingCache(embeddings_db(root), embedder.model_id, embedder.dim)
        calibration = Calibration(embedder)
        # the vectors in row order in a nameless file beside the index (gone with the process), read a chunk
        # at a time: only the index holds every vector
        try:
            with tempfile.TemporaryFile(dir=search_dir(root)) as ordered:
                cache.copy_ordered(digests, ordered)
                vectors.build(partial(read_rows, ordered, embedder.dim), np.asarray(rows, dtype=np.int64),
                              faiss_path, threads=threads, seen=calibration.see)
            if reason:
                cache.prune(digests)
        finally:
            cache.close()
        seconds["faiss"] = time.perf_counter() - started
        if counts is not None:
            started = time.perf_counter()
            words.save(_embed_words(root, embedder, counts), words_file(root, generation))
            seconds["words"] += time.perf_counter() - started
        model_id = embedder.model_id
        meta["dense_mid"], meta["dense_high"] = (f"{x:.4f}" for x in calibration.result())
    conn.execute("DELETE FROM passage_graveyard")
    meta.update({"search_generation": generation, "search_base": generation, "search_version": SEARCH_VERSION,
                 "model_spec": spec, "model_id": model_id,
                 "words": "1" if embedder is not None and embedder.multilingual else "0"})
    return SearchReport(len(rows), embedded, spec if embedder else None, True, seconds, warning, reason, workers)


def _term_texts(conn, paths: list[str] | None = None) -> list[str]:
    """The texts of the vault's terms (aliases live in frontmatter, not in any passage)."""
    if paths is None:
        return [r[0] for r in conn.execute("SELECT text FROM terms")]
    return [r[0] for r in select_in(conn, "SELECT text FROM terms WHERE path IN ({})", paths)]


def _embed_words(root: Path, embedder: Embedder, counts, reference: "words.Words | None" = None) -> "words.Words":
    """The words of ``counts`` (``words.surfaces``) with their vectors, from the embedding cache or embedded."""
    stems, forms = words.collect(counts)
    if not stems:
        return words.Words()
    digests = [words.digest(f) for f in forms]
    cache = EmbeddingCache(embeddings_db(root), embedder.model_id, embedder.dim)
    try:
        missing = cache.missing(digests)
        todo = [(d, f) for d, f in zip(digests, forms) if d in missing]
        for start in range(0, len(todo), 1024):
            chunk = todo[start:start + 1024]
            cache.put([d for d, _ in chunk], embedder.embed_batch([f for _, f in chunk]))
        matrix = cache.get(digests)
    finally:
        cache.close()
    return words.make(stems, forms, matrix, reference)


__all__ = ["DEFER_ABOVE", "refresh_search"]
