"""The graph signature: what every note's extraction depends on, folded into one digest.

The schema files, the extraction rules' and the reasoning's versions, the store the graph lives in and the
concepts the vault defines. When it changes, ``kg index`` extracts every note again (``graphing.py``), and says
which part changed. Standard library only (the concepts are read only when their digest is not given), so a
``kg index`` with nothing to do can check it without importing the pipeline (``unchanged.py``).
"""

from __future__ import annotations

import hashlib
import json

from ..resources import SCHEMA_FILES, schema_dir
from ..versions import EXTRACT_VERSION, REASON_VERSION

WHY_FULL = {"extract_version": "the extraction rules changed", "schema_digest": "the schema in schema/ changed",
            "concepts_digest": "the concepts the vault defines (type: method notes) changed",
            "graph_store": "the graph moved to another store", "reason_version": "the reasoning's edges changed"}


def signature_parts(conn, endpoint: str | None = None, concepts_digest: str | None = None) -> dict[str, str]:
    """What every note's extraction depends on: the rules, the schema, the store and the concepts the
    vault defines (notes with ``type: method``: their names, aliases and broader concepts, wherever they
    are; ``concepts_digest`` when the caller knows them unchanged)."""
    schema = hashlib.sha256(b"".join((schema_dir() / name).read_bytes() for name in SCHEMA_FILES)).hexdigest()
    if concepts_digest is None:
        from ..index.concepts import defined_concepts

        concepts = hashlib.sha256()
        for title, aliases, broader in defined_concepts(conn):  # by name, as linked
            concepts.update(f"{title}\0{json.dumps(aliases)}\0{json.dumps(broader)}\n".encode())
        concepts_digest = concepts.hexdigest()[:16]
    return {"extract_version": EXTRACT_VERSION, "schema_digest": schema[:16],
            "concepts_digest": concepts_digest, "graph_store": endpoint or "local", "reason_version": REASON_VERSION}


def signature(conn, endpoint: str | None = None, parts: dict[str, str] | None = None) -> str:
    parts = parts or signature_parts(conn, endpoint)
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()


__all__ = ["WHY_FULL", "signature", "signature_parts"]
