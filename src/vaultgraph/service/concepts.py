"""The concepts a vault speaks of: the SKOS scheme in ``schema/concepts.ttl`` plus those its notes define.

A note whose frontmatter says ``type: method`` (or ``concept``, «метод») becomes a concept named by its
title and aliases, or enriches the scheme's concept one of those names already labels. Its ``broader:``
property (``"[[LoRA]]"``, a list of links, or plain names) makes a concept the scheme does not know a narrower
concept of those it names, so what the vault says of them is inherited (the scheme's own hierarchy stands: edit
``schema/concepts.ttl`` to change it).
"""

from __future__ import annotations

import json
import re

from ..extract.concepts import CONCEPT_NS, Concept, ConceptIndex

METHOD_TYPES = ("method", "concept", "метод")


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
    concepts = ConceptIndex.load()
    defined = defined_concepts(conn)
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


def cached_concept_index(root, conn, key: str, save: bool = False) -> ConceptIndex:
    """The vault's concept index from the indexer's cache when it is of this ``key`` (the graph signature);
    else built (and, with ``save``, cached: only the indexer writes)."""
    import pickle

    try:
        with open(cache_path(root), "rb") as handle:
            stored_key, concepts = pickle.load(handle)
        if stored_key == key:
            return concepts
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError):
        pass
    concepts = concept_index(conn)
    if save:
        save_cached(root, key, concepts)
    return concepts
