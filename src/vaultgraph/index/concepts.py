"""The concepts a vault speaks of: the SKOS scheme in ``schema/concepts.ttl`` plus those its notes define, as the
index holds them (read by indexing, asking and reasoning alike).

A note whose frontmatter says ``type: method`` (or ``concept``, «метод») becomes a concept named by its
title and aliases, or enriches the scheme's concept one of those names already labels. Its ``broader:``
property (``"[[LoRA]]"``, a list of links, or plain names) makes a concept the scheme does not know a narrower
concept of those it names, so what the vault says of them is inherited (the scheme's own hierarchy stands: edit
``schema/concepts.ttl`` to change it).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..extract.concepts import CONCEPT_NS, Concept, ConceptIndex
from ..layout import concepts_cache
from ..vocabulary import METHOD_TYPES


BROADER_KEYS = ("broader", "parent", "is_a", "шире")


def defined_concepts(conn) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(title, aliases, broader names) of every note that defines a concept, in path order."""
    from ..extract.facts import link_targets

    out = []
    rows = conn.execute("SELECT path, aliases, json_extract(record, '$.frontmatter') AS fm FROM notes "
                        "WHERE lower(ntype) IN (?, ?, ?) ORDER BY path", METHOD_TYPES)
    for row in rows:
        title = row["path"].rsplit("/", 1)[-1][:-3]
        frontmatter = json.loads(row["fm"]) if row["fm"] else {}
        broader = []
        for key in BROADER_KEYS:
            value = frontmatter.get(key) if isinstance(frontmatter, dict) else None
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.strip():
                    broader += [t for t in link_targets(item) if t]
        out.append((title, tuple(json.loads(row["aliases"])), tuple(dict.fromkeys(broader))))
    return out


def concept_index(conn) -> ConceptIndex:
    """The SKOS scheme plus the concepts the vault defines (notes with ``type: method``) and their
    ``broader:`` links (added once every concept is known, so a note may name one defined after it)."""
    return _with_defined(ConceptIndex(_scheme()), defined_concepts(conn))


@lru_cache(maxsize=1)
def _scheme() -> tuple[Concept, ...]:
    """The concepts of ``schema/concepts.ttl`` (records are frozen: every index built from them shares them)."""
    return tuple(ConceptIndex.load())


def _with_defined(concepts: ConceptIndex, defined) -> ConceptIndex:
    for title, aliases, _ in defined:
        concepts.add(_concept(title, aliases, ()))
    for title, aliases, broader in defined:
        own = concepts.lookup(title)
        if broader and own and concepts.get(own).scheme == "vault":  # the scheme places its own concepts
            parents = [b for b in broader if (p := concepts.lookup(b)) and own not in concepts.ancestors(p)]
            concepts.add(_concept(title, aliases, tuple(parents)))  # … and a cycle is no hierarchy
    return concepts


def _concept(title: str, aliases: tuple[str, ...], broader: tuple[str, ...]) -> Concept:
    slug = re.sub(r"[^\w-]+", "-", title).strip("-") or "concept"
    return Concept(id=slug, iri=CONCEPT_NS + slug, scheme="vault", label_en=title, label_ru=None,
                   labels=(title, *aliases), broader=broader)


# 2: the built index (``ConceptIndex.to_data``), not what it is built from. How labels are keyed is part of
# extraction (EXTRACT_VERSION, in the graph signature that is the cache's key), so a change to it is a new key
CACHE_FORMAT = "concepts-2"


def cache_path(root: Path) -> Path:
    return concepts_cache(root)


def save_cached(root, key: str, conn, concepts: ConceptIndex | None = None) -> None:
    """Keep the vault's concept index for readers (parsing the scheme's Turtle costs ~0.4 s of every query, keying
    every label of 1,500 concepts 0.07 s): ``concepts`` (else built from ``conn``) as JSON data, so a ``.kg`` folder
    synced from someone else can run no code here (the cache was a pickle until version 0.1)."""
    import os

    index = concepts if concepts is not None else concept_index(conn)
    path = cache_path(root)
    data = {"format": CACHE_FORMAT, "key": key, "index": index.to_data()}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    path.with_name("concepts.pickle").unlink(missing_ok=True)  # the old format is never read again


def cache_current(root, key: str) -> bool:
    """Whether the cache is of this format and ``key`` (its first bytes say: ``save_cached`` writes them first); an
    index run rewrites one that is not, such as a cache of an earlier kg (readers would build the index each time)."""
    head = json.dumps({"format": CACHE_FORMAT, "key": key}, ensure_ascii=False)[:-1].encode()
    try:
        with open(cache_path(root), "rb") as f:
            return f.read(len(head)) == head
    except OSError:
        return False


def _from_cache(data, key: str) -> ConceptIndex | None:
    """The concept index of the cache's data, None when it is of another key or not well formed."""
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
        return None
    try:
        return ConceptIndex.from_data(data.get("index"))
    except ValueError:
        return None


_LAST: dict[str, tuple[str, ConceptIndex]] = {}  # vault → (key, its concept index): ``kg watch`` builds it once


def cached_concept_index(root, conn, key: str, save: bool = False) -> ConceptIndex:
    """The vault's concept index from the indexer's cache when it is of this ``key`` (the graph signature);
    else built (and, with ``save``, cached: only the indexer writes)."""
    last = _LAST.get(str(root))
    if last is not None and last[0] == key:
        return last[1]
    try:
        concepts = _from_cache(json.loads(cache_path(root).read_text(encoding="utf-8")), key)
    except (OSError, ValueError):
        concepts = None
    if concepts is None:
        concepts = concept_index(conn)
        if save:
            save_cached(root, key, conn, concepts)
    _LAST[str(root)] = (key, concepts)
    return concepts
