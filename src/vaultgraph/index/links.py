"""Which passages each concept links to, as arrays beside the other search files.

A question's graph candidates are the passages linked to its concepts and their expansions (broader
and narrower concepts, the capability a method stands for). In a large vault a broad concept links to
a good share of all passages: at 10,000 notes a question's concepts reach 18k to 164k links, and
aggregating them in SQLite cost 50 to 630 ms a question. Here the links of a search base are stored
sorted by concept (``concept → [start, end)`` into ``rows``, ``flags``, ``kinds``), memory-mapped, and a
question scores them in a few vectorised passes over the rows they link. A delta generation holds
the links of the passages added since its base, and the base rows deleted since are left out.

``flags``: the relation (``RELATIONS`` index) in the low three bits, ``FRONTMATTER`` when the passage is a
frontmatter field. ``kinds``: a bit per claim kind in ``KINDS``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..vocabulary import CLAIM_KINDS
from .folders import atomic_folder, reading

RELATIONS = ("about", "affects", "involves", "topic")  # any other relation is code len(RELATIONS)
FRONTMATTER = 8
FRONTMATTER_WEIGHT = 0.3
OTHER_WEIGHT = 0.5
KINDS = CLAIM_KINDS  # stored as bits in this order


@dataclass
class Table:
    """Links sorted by concept: ``concepts[i]``'s are ``rows[start[i]:start[i + 1]]`` (and flags, kinds)."""

    concepts: dict[str, int] = field(default_factory=dict)
    start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    flags: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))
    kinds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))

    def __len__(self) -> int:
        return len(self.rows)

    def postings(self, concept: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        i = self.concepts.get(concept)
        if i is None:
            return None
        a, b = int(self.start[i]), int(self.start[i + 1])
        return self.rows[a:b], self.flags[a:b], self.kinds[a:b]


def kinds_mask(kinds: Iterable[str]) -> int:
    return sum(1 << KINDS.index(k) for k in set(kinds) if k in KINDS)


def read_table(conn, after: int = 0) -> Table:
    """The links of the passages whose row is above ``after``, from the index's passage_concepts."""
    # a delta's few rows by the row index: ordered by concept, SQLite would walk the concept index
    # through all links (0.2 s at 10k notes)
    using = "INDEXED BY passage_concepts_row " if after else ""
    cursor = conn.execute(f"SELECT concept, rel, row, kinds, field FROM passage_concepts {using}WHERE row > ? "
                          "ORDER BY concept, row", (after,))
    concepts: dict[str, int] = {}
    starts, rows, flags, kinds = [], [], [], []
    masks: dict[str, int] = {}
    for concept, rel, row, kind_list, where in cursor:
        if concept not in concepts:
            concepts[concept] = len(concepts)
            starts.append(len(rows))
        rows.append(row)
        code = RELATIONS.index(rel) if rel in RELATIONS else len(RELATIONS)
        flags.append(code | (FRONTMATTER if where == "frontmatter" else 0))
        mask = masks.get(kind_list)
        if mask is None:
            mask = masks[kind_list] = kinds_mask(kind_list.split(",") if kind_list else ())
        kinds.append(mask)
    starts.append(len(rows))
    return Table(concepts, np.asarray(starts, dtype=np.int64), np.asarray(rows, dtype=np.int64),
                 np.asarray(flags, dtype=np.uint8), np.asarray(kinds, dtype=np.uint8))


_ARRAYS = ("start", "rows", "flags", "kinds")


def save(table: Table, folder: Path) -> None:
    """Write ``folder`` atomically."""
    with atomic_folder(folder) as tmp:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(table, name))
        (tmp / "concepts.json").write_text(json.dumps(list(table.concepts), ensure_ascii=False), encoding="utf-8")


def load(folder: Path) -> Table:
    with reading(folder):
        names = json.loads((folder / "concepts.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
        if len(arrays["start"]) != len(names) + 1 or not len(arrays["rows"]) == len(arrays["flags"]) \
                == len(arrays["kinds"]) == (int(arrays["start"][-1]) if len(names) else len(arrays["rows"])):
            raise ValueError("its arrays do not fit together")
        return Table({c: i for i, c in enumerate(names)}, **arrays)


def to_arrays(table: Table) -> dict[str, np.ndarray]:
    """The table as arrays for a delta's .npz (its concept names go with the delta's tokens)."""
    return {f"links_{name}": np.asarray(getattr(table, name)) for name in _ARRAYS}


def from_arrays(arrays, concepts: Sequence[str]) -> Table:
    if "links_rows" not in arrays:
        return Table()
    return Table({c: i for i, c in enumerate(concepts)}, **{name: arrays[f"links_{name}"] for name in _ARRAYS})


def _flat(table: Table) -> tuple[list[str], np.ndarray]:
    """The table's concept names and each link's concept index."""
    names = list(table.concepts)
    return names, np.repeat(np.arange(len(names)), np.diff(np.asarray(table.start)))


def _from_flat(names: Sequence[str], concept: np.ndarray, rows, flags, kinds) -> Table:
    order = np.lexsort((rows, concept))
    concept = concept[order]
    used, counts = np.unique(concept, return_counts=True)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Table({names[i]: n for n, i in enumerate(used.tolist())}, start, np.asarray(rows)[order].astype(np.int64),
                 np.asarray(flags)[order].astype(np.uint8), np.asarray(kinds)[order].astype(np.uint8))


def concat(first: Table, second: Table, drop: np.ndarray | None = None) -> Table:
    """The links of both tables, without those of the rows in ``drop``."""
    names, concept_a = _flat(first)
    names_b, concept_b = _flat(second)
    index = {c: i for i, c in enumerate(names)}
    for c in names_b:
        index.setdefault(c, len(index))
    names = list(index)
    remap = np.asarray([index[c] for c in names_b], dtype=np.int64)
    concept = np.concatenate([concept_a, remap[concept_b] if len(concept_b) else concept_b]).astype(np.int64)
    rows, flags, kinds = (np.concatenate([np.asarray(getattr(first, n)), np.asarray(getattr(second, n))])
                          for n in ("rows", "flags", "kinds"))
    if drop is not None and len(drop):
        keep = ~np.isin(rows, drop)
        concept, rows, flags, kinds = concept[keep], rows[keep], flags[keep], kinds[keep]
    return _from_flat(names, concept, rows, flags, kinds)


def strongest(tables: Sequence[Table], dead: np.ndarray, links: list[tuple[str, str, float, str | None]],
              n_entities: int, wanted: dict[str, float], rel_weight: dict[str, float], limit: int):
    """The ``limit`` passages most strongly linked to a question's concepts.

    ``links`` are (concept, question entity, weight, inherited from) expansions. A passage's link to an
    entity is its best weight × relation weight (× 0.3 for a frontmatter field); its score is the mean
    over the question's entities, and it is ranked by score plus half its role fit by kinds
    (``wanted``), ties by row. Returns (row, score, covered entities, inherited from), best first.

    Only the linked rows are scored (their postings gathered and made unique): per-row arrays of the whole
    vault cost their size on every question, 23 ms at the median of 48 questions at 10,000 notes (393k
    passages) against 5.4 ms, with the same results."""
    if not links:
        return []
    relw = np.array([rel_weight.get(r, OTHER_WEIGHT) for r in RELATIONS] + [OTHER_WEIGHT] * 4)
    relw = np.concatenate([relw, relw * FRONTMATTER_WEIGHT])  # indexed by flags (< 16)
    fit = _fit(tuple(sorted(wanted.items())))
    entities = list(dict.fromkeys(e for _, e, _, _ in links))
    inherited_names = sorted({i for *_, i in links if i is not None})
    no_parent = len(inherited_names)
    parts: list[tuple] = []  # per posting list: rows, link weights, kinds, entity, inherited-from code
    for concept, entity, weight, parent in links:
        code = no_parent if parent is None else inherited_names.index(parent)
        for table in tables:
            found = table.postings(concept)
            if found is not None and len(found[0]):
                rows, flags, kind_bits = found
                parts.append((rows, weight * relw[flags], kind_bits, entities.index(entity), code))
    if not parts:
        return []
    linked, at = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)  # row order
    entity = np.concatenate([np.full(len(p[0]), p[3], dtype=np.intp) for p in parts])
    codes = np.concatenate([np.full(len(p[0]), p[4], dtype=np.int32) for p in parts])
    best = np.zeros((len(entities), len(linked)))  # per linked row: best link weight per entity
    np.maximum.at(best, (entity, at), np.concatenate([p[1] for p in parts]))
    kinds = np.zeros(len(linked), dtype=np.uint8)
    kinds[at] = np.concatenate([p[2] for p in parts])  # a row's kinds are the same in every posting
    mine = codes == no_parent
    own = np.zeros((len(entities), len(linked)), dtype=bool)  # linked to the entity itself, not a broader
    own[entity[mine], at[mine]] = True
    inherited = np.full(len(linked), no_parent, dtype=np.int32)  # the broader concept inherited from
    if not mine.all():
        np.minimum.at(inherited, at[~mine], codes[~mine])
    score = np.sum(best, axis=0)
    score /= max(1, n_entities)
    if len(dead):
        score[np.isin(linked, dead)] = 0.0
    touched = np.flatnonzero(score > 0)
    total = score[touched] + fit[kinds[touched]] / 2
    if len(touched) > limit:  # the best ``limit``, ties broken by row: touched is in row order
        cut = np.partition(total, len(total) - limit)[len(total) - limit]
        above = np.flatnonzero(total > cut)
        tied = np.flatnonzero(total == cut)[:limit - len(above)]
        keep = np.concatenate([above, tied])
        touched, total = touched[keep], total[keep]
    touched = touched[np.lexsort((touched, -total))]
    out = []
    for row, value, owned, up in zip(linked[touched].tolist(), score[touched].tolist(), own[:, touched].T.tolist(),
                                     inherited[touched].tolist()):
        covered = {e for e, mine in zip(entities, owned) if mine}
        parent = inherited_names[up] if not covered and up < no_parent else None
        out.append((row, value, covered, parent))
    return out


@lru_cache(maxsize=64)
def _fit(wanted: tuple[tuple[str, float], ...]) -> np.ndarray:
    """Role fit by kinds bits: the best weight among the wanted kinds a passage has."""
    return np.array([max([w for k, w in wanted if k in KINDS and m >> KINDS.index(k) & 1], default=0.0)
                     for m in range(1 << len(KINDS))])
