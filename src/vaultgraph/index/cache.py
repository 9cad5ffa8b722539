"""The embedding cache: vectors by (model, text digest), in ``VAULT/.kg/embeddings.sqlite``.

It has its own file and commits after every batch, apart from the indexer's one transaction: a
vector depends only on the model and the text, so keeping it is always safe, and an index run that
is killed while embedding resumes where it stopped instead of embedding everything again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import IndexChanged
from ..store.sqlite import select_in


class EmbeddingCache:
    def __init__(self, path: Path, model: str, dim: int):
        self.model, self.dim = model, dim
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("""CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, digest TEXT NOT NULL,
                             vector BLOB NOT NULL, PRIMARY KEY (model, digest)) WITHOUT ROWID""")

    def close(self) -> None:
        self.conn.close()

    def missing(self, digests: Sequence[str]) -> set[str]:
        """The digests that have no vector yet."""
        wanted = set(digests)
        if len(wanted) > 20_000:  # most of a vault: one scan beats many lookups
            known = {r[0] for r in self.conn.execute("SELECT digest FROM vectors WHERE model = ?", (self.model,))}
            return wanted - known
        found = {r[0] for r in select_in(self.conn, "SELECT digest FROM vectors WHERE model = ? AND digest IN ({})",
                                         list(wanted), (self.model,))}
        return wanted - found

    def put(self, digests: Sequence[str], vectors: np.ndarray) -> None:
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
                                  [(self.model, d, np.asarray(v, dtype=np.float32).tobytes())
                                   for d, v in zip(digests, vectors)])

    def get(self, digests: Sequence[str]) -> np.ndarray:
        """Vectors of ``digests`` in that order (every one must be cached)."""
        wanted = list(dict.fromkeys(digests))
        found: dict[str, bytes] = dict(select_in(
            self.conn, "SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({})", wanted, (self.model,)))
        if len(found) < len(wanted):
            raise _missing(len(wanted) - len(found))
        return np.frombuffer(b"".join(found[d] for d in digests), dtype=np.float32).reshape(len(digests), self.dim)

    def copy_ordered(self, digests: Sequence[str], out: BinaryIO) -> None:
        """Write the vectors of ``digests`` (every one must be cached) into the file ``out``, the i-th as float32
        at ``i * dim * 4`` (``read_rows``), reading the table once in its own order: a lookup per digest in the
        order asked (``get``) took 9-23 s for the 393k vectors of a 10,000-note vault, one pass over the table
        ~1 s (~3 s with the writes); and the file, not the process, holds them."""
        size = self.dim * 4
        first: dict[str, int] = {}
        again: list[tuple[int, int]] = []  # (position, the position of the first passage of the same text)
        for i, d in enumerate(digests):
            if (j := first.setdefault(d, i)) != i:
                again.append((i, j))
        fd = out.fileno()
        os.ftruncate(fd, len(digests) * size)
        found = 0
        for d, blob in self.conn.execute("SELECT digest, vector FROM vectors WHERE model = ?", (self.model,)):
            if (i := first.get(d)) is not None:
                if len(blob) != size:
                    raise IndexChanged(f"a vector of the embedding cache has {len(blob)} bytes, not {size}: "
                                       "delete .kg/search/embeddings.sqlite and index again")
                _write(fd, blob, i * size)
                found += 1
        if found < len(first):
            raise _missing(len(first) - found)
        for i, j in again:
            _write(fd, os.pread(fd, size, j * size), i * size)

    def prune(self, keep: Iterable[str]) -> int:
        """Forget vectors of other models and of texts no passage has any more."""
        keep = set(keep)
        stale = [(m, d) for m, d in self.conn.execute("SELECT model, digest FROM vectors")
                 if m != self.model or d not in keep]
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany("DELETE FROM vectors WHERE model = ? AND digest = ?", stale)
        return len(stale)


def _missing(count: int) -> IndexChanged:
    return IndexChanged(f"{count} vectors are missing from the embedding cache just written (was it deleted "
                        "meanwhile?): run the command again")


def _write(fd: int, data: bytes, offset: int) -> None:
    if os.pwrite(fd, data, offset) < len(data):  # a full disk writes short once before it fails
        raise OSError(f"the vectors' working file in .kg/search could not take {len(data)} bytes (is the disk full?)")


def read_rows(source: BinaryIO, dim: int, positions: np.ndarray) -> np.ndarray:
    """The vectors at ascending ``positions`` of a file written by ``EmbeddingCache.copy_ordered``: one read for
    a run of consecutive positions, one a vector otherwise."""
    out = np.empty((len(positions), dim), dtype=np.float32)
    if not len(positions):
        return out
    fd, size = source.fileno(), dim * 4
    if int(positions[-1]) - int(positions[0]) + 1 == len(positions):
        _read_into(fd, out, int(positions[0]) * size)
    else:
        for k, position in enumerate(positions.tolist()):
            _read_into(fd, out[k], position * size)
    return out


def _read_into(fd: int, target: np.ndarray, offset: int) -> None:
    view = memoryview(target).cast("B")
    while len(view):
        done = os.preadv(fd, [view], offset)
        if not done:
            raise IndexChanged("the vectors' working file ended early (was the disk full?): run the command again")
        view, offset = view[done:], offset + done
