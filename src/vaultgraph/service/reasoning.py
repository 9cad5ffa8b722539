"""``kg why`` and ``kg compare`` (and the same routes of ``kg serve`` and tools of ``kg mcp``): a question put to
the reasoning graph of a vault (``vaultgraph.reason``), read from its index per question: nothing to build or load."""

from __future__ import annotations

from pathlib import Path


def load(root: Path, endpoint: str | None = None):
    """The vault's ``reason.ReasonGraph``: read from its index (``endpoint``, where the RDF store lives, plays no
    part: reasoning reads the index only)."""
    from .. import reason

    return reason.load(root)


def why(root: Path, a: str, b: str, k: int = 3, endpoint: str | None = None):
    """The ``reason.Explanation``: the ``k`` best chains of cited claims from concept ``a`` to ``b``."""
    from .. import reason

    rg = load(root, endpoint)
    return _noticed(rg, reason.why(rg, a, b, k=k))


def _noticed(rg, result):
    """``result`` with what its index leaves out said (a first index's notes not indexed yet)."""
    from dataclasses import replace

    from .reports import notes_pending

    row = rg.conn.execute("SELECT value FROM meta WHERE key = 'notes_pending'").fetchone()
    pending = int(row[0] or 0) if row else 0
    return replace(result, notices=(notes_pending(pending),)) if pending else result


def compare(root: Path, methods: list[str], endpoint: str | None = None, limit: int | None = None,
            everything: bool = False):
    """The ``reason.Comparison`` of two or more methods: effects, cost, risks, mitigations and sources; the first
    ``limit`` statements of each cell (None: ``reason.CELL_LIMIT``) and how many it holds, or every statement."""
    from .. import reason

    rg = load(root, endpoint)
    return _noticed(rg, reason.compare(rg, list(methods), None if everything else limit or reason.CELL_LIMIT))


__all__ = ["compare", "load", "why"]
