"""Passages, their concepts and relations, and the embedding cache, in ``VAULT/.kg/index.sqlite``.

They are written in the indexer's one transaction, together with the notes they came from, so a
reader's snapshot always has passages, relations and the search files of the same generation.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from collections.abc import Iterable, Sequence

from ..store.sqlite import select_in
from .passages import Passage, search_text

_COLUMNS = ("id", "path", "line", "end_line", "heading", "field", "kinds", "role", "text", "context", "about",
            "affects", "involves", "direction", "cost", "sources", "author", "weight", "topic", "position", "origin", "digest")
_LISTS = ("heading", "kinds", "about", "affects", "involves", "sources")
_INSERT = f"INSERT INTO passages ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


_SEP = "\x1f"  # list columns hold items joined by the unit separator: splitting is ~10x faster than JSON


def _dumps(value) -> str:
    return _SEP.join(value)


def split_list(value: str) -> tuple[str, ...]:
    """The items of a list column (``kinds``, ``about``, ``affects`` …) as ``replace_passages`` joined them."""
    return tuple(value.split(_SEP)) if value else ()


def remove_passages(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    for path in paths:
        conn.execute("INSERT OR IGNORE INTO passage_graveyard SELECT row FROM passages WHERE path = ?", (path,))
        conn.execute("DELETE FROM passage_concepts WHERE row IN (SELECT row FROM passages WHERE path = ?)", (path,))
        conn.execute("DELETE FROM claim_order WHERE row IN (SELECT row FROM passages WHERE path = ?)", (path,))
        conn.execute("DELETE FROM passages WHERE path = ?", (path,))
        conn.execute("DELETE FROM relations WHERE path = ?", (path,))
        conn.execute("DELETE FROM terms WHERE path = ?", (path,))


# what a note's passages are stored with: dropped with them (``remove_passages``, ``clear_passages``)
TABLES = ("passages", "passage_concepts", "claim_order", "relations", "terms")


def clear_passages(conn: sqlite3.Connection) -> None:
    """Every note's passages removed, as ``remove_passages`` of every path would (a full index writes them all
    again): a statement per table instead of six per note."""
    conn.execute("INSERT OR IGNORE INTO passage_graveyard SELECT row FROM passages")
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")


def replace_passages(conn: sqlite3.Connection, path: str, passages: Sequence[Passage],
                     relations: Iterable[tuple[str, str, str]]) -> None:
    """Replace one note's passages and its (src, rel, dst) relations."""
    remove_passages(conn, [path])
    add_passages(conn, path, passages, relations)


def add_passages(conn: sqlite3.Connection, path: str, passages: Sequence[Passage],
                 relations: Iterable[tuple[str, str, str]]) -> None:
    """Write one note's passages and relations (it has none stored: ``replace_passages`` otherwise)."""
    concept_rows = []
    for p in passages:
        values = [getattr(p, c) if c != "digest" else p.digest for c in _COLUMNS]
        values = [_dumps(v) if c in _LISTS else v for c, v in zip(_COLUMNS, values)]
        row = conn.execute(_INSERT, values).lastrowid
        kinds = ",".join(p.kinds)
        for rel, ids in (("about", p.about), ("affects", p.affects), ("involves", p.involves)):
            concept_rows += [(c, rel, row, kinds, p.field) for c in ids]
        if p.topic and p.topic not in p.about:
            concept_rows.append((p.topic, "topic", row, kinds, p.field))
    conn.executemany("INSERT INTO passage_concepts VALUES (?,?,?,?,?)", concept_rows)
    conn.executemany("INSERT INTO relations VALUES (?,?,?,?)", [(path, s, r, d) for s, r, d in relations])


_FIELDS = tuple(c for c in _COLUMNS if c != "digest")
_SELECT = f"SELECT row, {', '.join(_FIELDS)} FROM passages WHERE row IN "
assert _FIELDS == tuple(f.name for f in fields(Passage)), "passage columns out of the dataclass's order"
_LIST_AT = tuple(i for i, c in enumerate(_FIELDS) if c in _LISTS)


def _passage(values: tuple) -> Passage:
    """A passage from a row of ``_SELECT`` without its first column (plain tuples: 3x faster than
    sqlite3.Row by name, and a question loads hundreds of passages)."""
    values = list(values)
    for i in _LIST_AT:
        values[i] = split_list(values[i])
    return Passage(*values)


def passages_by_row(conn: sqlite3.Connection, rows: Iterable[int]) -> dict[int, Passage]:
    rows = list(dict.fromkeys(rows))
    out: dict[int, Passage] = {}
    cursor = conn.cursor()
    cursor.row_factory = None
    for r in select_in(cursor, _SELECT + "({})", rows):
        out[r[0]] = _passage(r[1:])
    return out


def related(conn: sqlite3.Connection, ids: Iterable[str], rel: str, reverse: bool = False) -> list[tuple[str, str]]:
    """(src, dst) pairs of ``rel`` whose src (or, reversed, dst) is one of ``ids``."""
    ids = list(dict.fromkeys(ids))
    col = "dst" if reverse else "src"
    return [(r[0], r[1]) for r in select_in(conn, f"SELECT src, dst FROM relations WHERE rel = ? AND {col} IN ({{}})",
                                            ids, (rel,))]


def rows_of_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, int]:
    ids = list(dict.fromkeys(ids))
    return {r[0]: r[1] for r in select_in(conn, "SELECT id, row FROM passages WHERE id IN ({})", ids)}


def rows_at(conn: sqlite3.Connection, places) -> list[int]:
    """The passages that start within each (path, line, end_line): the claims there, or the section
    that begins at ``line``."""
    out: list[int] = []
    cursor = conn.cursor()
    cursor.row_factory = None
    for path, line, end in places:
        out += [r[0] for r in cursor.execute(
            "SELECT row FROM passages WHERE path = ? AND line BETWEEN ? AND ? AND (field = 'claim' OR line = ?) "
            "ORDER BY line LIMIT 20", (path, line, end, line))]
    return list(dict.fromkeys(out))


def all_search_texts(conn: sqlite3.Connection) -> tuple[list[int], list[str], list[str]]:
    """(rows, digests, texts to search) of every passage, in row order."""
    rows, digests, texts = [], [], []
    for r in conn.execute("SELECT row, digest, context, text FROM passages ORDER BY row"):
        rows.append(r["row"])
        digests.append(r["digest"])
        texts.append(search_text(r["context"], r["text"]))
    return rows, digests, texts
