"""A search index's generations (``build.py``): the files each is made of, whether they look whole, deleting the
files of the others, and what the search stage of a run reports.

Standard library only: a ``kg index`` with nothing to do checks the search files without importing numpy
(``service/unchanged.py``), and so does a reader opening the index.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..layout import bm25_dir, delta_file, delta_vectors_name, links_dir, search_dir, vectors_file, words_file
from .folders import arrays_files


@dataclass(frozen=True)
class SearchReport:
    passages: int
    embedded: int  # vectors computed this run (the rest came from the cache)
    model: str | None  # model spec, None when dense search is unavailable
    rebuilt: bool
    seconds: dict[str, float]
    warning: str | None = None
    reason: str | None = None  # why every passage was embedded again
    embed_workers: int = 1  # processes that embedded (index/embedding.py)
    pending: int = 0  # passages whose vectors were left for later: the base has words and the graph only


def files_of(root: Path, generation: str) -> tuple[Path, Path]:
    """A base's BM25 folder and FAISS file."""
    return bm25_dir(root, generation), vectors_file(root, generation)


def needed(root: Path, meta: dict[str, str]) -> list[Path]:
    """The files the generation in ``meta`` is made of."""
    generation, base = meta.get("search_generation"), meta.get("search_base")
    if generation is None or base is None:
        return []
    bm25, faiss_file = files_of(root, base)
    out = [bm25, links_dir(root, base)]
    if meta.get("model_id"):
        out.append(faiss_file)
    if meta.get("words") == "1":
        out += list(arrays_files(words_file(root, base)))
    if generation != base:
        out += list(arrays_files(delta_file(root, generation)))
        out += [search_dir(root) / delta_vectors_name(g) for g in meta.get("delta_chunks", "").split(",") if g]
        if meta.get("words") == "1":
            out += list(arrays_files(words_file(root, generation)))
    return out


def sizes(root: Path, meta: dict[str, str]) -> dict[str, int]:
    """The size of every file of the generation in ``meta``, by its path under the search folder."""
    folder, out = search_dir(root), {}
    for path in needed(root, meta):
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file():
                out[f.relative_to(folder).as_posix()] = f.stat().st_size
    return out


def damage(root: Path, meta: dict[str, str]) -> str | None:
    """What is wrong with the search files the index names (None when they look whole): a file missing, or
    of another size than it was written with (cut short by a full disk or a partial copy). Stats only."""
    folder = search_dir(root)
    try:
        expected = json.loads(meta["search_files"]) if "search_files" in meta else \
            {p.relative_to(folder).as_posix(): None for p in needed(root, meta)}
    except ValueError:
        return "the list of search files is not readable"
    for name, size in expected.items():
        try:
            found = (folder / name).stat().st_size
        except OSError:
            return f"search/{name} is missing"
        if size is not None and found != size:
            return f"search/{name} has {found:,} bytes, {size:,} when it was written"
    return None


def collect_garbage(root: Path, meta: dict[str, str]) -> None:
    """Delete search files of other generations (only the writer calls this, under its lock)."""
    folder = search_dir(root)
    if not folder.is_dir():
        return
    keep = {p.name for p in needed(root, meta)}
    for path in folder.iterdir():
        if path.name not in keep and not path.name.startswith("embeddings."):
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


__all__ = ["SearchReport", "collect_garbage", "damage", "files_of", "needed", "sizes"]
