"""One service layer behind the CLI (and any future API): plain functions over a vault root.

Submodules are imported on first use, so a command pays only for what it runs (``kg ask`` never
imports the parser or rdflib).
"""

from __future__ import annotations

import importlib

_LAZY = {"IndexReport": ".indexing", "index_vault": ".indexing", "all_links": ".reading", "load_notes": ".reading",
         "show_note": ".reading", "shown_dict": ".reading", "status": ".reading"}

__all__ = ["IndexReport", "all_links", "index_vault", "load_notes", "show_note", "shown_dict", "status"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vaultgraph.service' has no attribute {name!r}")
