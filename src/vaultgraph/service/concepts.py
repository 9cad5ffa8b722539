"""The concepts a vault speaks of: the SKOS scheme in ``schema/concepts.ttl`` plus those its notes define.

A note whose frontmatter says ``type: method`` (or ``concept``, «метод») becomes a concept named by its
title and aliases, or enriches the scheme's concept one of those names already labels.
"""

from __future__ import annotations

import json
import re

from ..extract.concepts import CONCEPT_NS, Concept, ConceptIndex

METHOD_TYPES = ("method", "concept", "метод")


def concept_index(conn) -> ConceptIndex:
    """The SKOS scheme plus the concepts the vault defines (notes with ``type: method``)."""
    concepts = ConceptIndex.load()
    rows = conn.execute("SELECT path, aliases FROM notes WHERE lower(ntype) IN (?, ?, ?) ORDER BY path", METHOD_TYPES)
    for row in rows:
        title = row["path"].rsplit("/", 1)[-1][:-3]
        aliases = tuple(json.loads(row["aliases"]))
        slug = re.sub(r"[^\w-]+", "-", title).strip("-") or "concept"
        concepts.add(Concept(id=slug, iri=CONCEPT_NS + slug, scheme="vault", label_en=title, label_ru=None,
                             labels=(title, *aliases), broader=()))
    return concepts


def cache_path(root) -> "Path":
    from pathlib import Path

    return Path(root) / ".kg" / "concepts.pickle"


def save_cached(root, key: str, concepts: ConceptIndex) -> None:
    """Keep the vault's concept index for readers (loading it from Turtle costs ~0.4 s of every query)."""
    import os
    import pickle

    path = cache_path(root)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump((key, concepts), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def cached_concept_index(root, conn, key: str) -> ConceptIndex:
    """The vault's concept index from the indexer's cache when it is of this ``key`` (the graph signature)."""
    import pickle

    try:
        with open(cache_path(root), "rb") as handle:
            stored_key, concepts = pickle.load(handle)
        if stored_key == key:
            return concepts
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
        pass
    return concept_index(conn)
