"""Section roles from headings and callout types, in Russian and English.

The keywords live in ``schema/vaultgraph.ttl`` (``vg:headingKeyword`` on each ``vg:SectionRole``), so
the ontology and the extractor cannot drift apart. Headings are compared stem by stem, so
«Последствия отсутствия решения» and "Consequences if unsolved" both find *consequences*.
"""

from __future__ import annotations

from functools import lru_cache

from ..resources import schema_dir
from ..text.words import heading_stems
from ..vocabulary import SECTION_ROLES

ROLES = SECTION_ROLES
CALLOUT_ROLES = {
    "risk": "risks", "warning": "risks", "danger": "risks", "caution": "risks", "bug": "risks",
    "failure": "risks", "problem": "problem", "question": "problem", "solution": "solution", "success": "solution",
    "tip": "solution", "claim": "claim", "quote": "sources", "cite": "sources", "example": "results",
    "abstract": "results", "summary": "results", "tldr": "results", "note": "other", "info": "other",
}
stems = heading_stems


@lru_cache(maxsize=1)
def _keywords() -> dict[str, tuple[tuple[str, ...], ...]]:
    import pyoxigraph as ox

    vg = "https://vaultgraph.dev/ns#"
    store = ox.Store()
    store.load(path=str(schema_dir() / "vaultgraph.ttl"), format=ox.RdfFormat.TURTLE)
    notation = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
    keyword = ox.NamedNode(vg + "headingKeyword")
    out: dict[str, list[tuple[str, ...]]] = {}
    for quad in store.quads_for_pattern(None, notation, None, None):
        role = quad.object.value
        words = [stems(q.object.value) for q in store.quads_for_pattern(quad.subject, keyword, None, None)]
        out[role] = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return {role: tuple(words) for role, words in out.items()}


def heading_role(title: str) -> str | None:
    """The role a heading announces, or ``None``. When a heading names two roles the earliest wins:
    «Последствия отсутствия решения» is about consequences, «Как решить эту проблему» about solutions."""
    heading = stems(title)
    if not heading:
        return None
    best: tuple[int, int, str] | None = None  # (position, -length, role): the earliest keyword wins
    for role, keywords in _keywords().items():
        for keyword in keywords:
            n = len(keyword)
            for i in range(len(heading) - n + 1):
                if heading[i:i + n] == keyword:
                    if best is None or (i, -n) < best[:2]:
                        best = (i, -n, role)
                    break
    return best[2] if best and best[2] != "other" else None


def callout_role(callout_type: str) -> str | None:
    return CALLOUT_ROLES.get(callout_type.lower())
