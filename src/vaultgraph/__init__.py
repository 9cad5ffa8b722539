"""vaultgraph: an Obsidian research vault as a queryable knowledge graph.

The public API is small: parse notes, index a vault, read what was indexed, ask it questions.

    from vaultgraph import parse_bytes, index_vault, show_note, ask

Names are imported on first use (PEP 562), so ``import vaultgraph`` — and ``kg --help`` — stay cheap.
"""

from __future__ import annotations

from .runtime import lazy_attributes
from .errors import (BadRequest, IndexBusy, IndexChanged, IndexDamaged, IndexMissing, ModelUnavailable, NoteNotFound, QueryFailed,
                     QueryRefused, QueryStopped, ReadOnlyQuery, RemoteError, RemoteUnavailable, SaveRefused, UnknownConcept,
                     VaultgraphError, VaultNotFound)

__version__ = "0.1.0"

_LAZY = {
    "parse_bytes": ".markdown", "parse_text": ".markdown", "ParsedNote": ".model",
    "all_links": ".service", "index_vault": ".service", "load_notes": ".service", "show_note": ".service",
    "status": ".service", "find_vault": ".vault", "scan": ".vault",
    "ask": ".service.asking", "search": ".service.asking", "Searcher": ".service.asking",
}

__all__ = [
    "BadRequest", "IndexBusy", "IndexChanged", "IndexDamaged", "IndexMissing", "ModelUnavailable", "NoteNotFound", "QueryFailed",
    "QueryRefused", "QueryStopped", "ReadOnlyQuery", "RemoteError", "RemoteUnavailable", "SaveRefused",
    "UnknownConcept", "VaultgraphError", "VaultNotFound", "ParsedNote", "Searcher", "all_links", "ask", "find_vault", "index_vault", "load_notes", "parse_bytes",
    "parse_text", "scan", "search", "show_note", "status",
]


__getattr__ = lazy_attributes(__name__, _LAZY, globals())
