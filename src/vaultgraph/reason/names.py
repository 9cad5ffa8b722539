"""From what a user types to a concept id, in either language; and where the scheme states a link."""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache

from .build import ReasonGraph, concept_label
from ..errors import UnknownConcept
from .model import Citation, ClaimRec

SCHEME_FILE = "schema/concepts.ttl"


def resolve(rg: ReasonGraph, name: str) -> str:
    """The concept ``name`` names: a SKOS or vault label (any case, inflected, RU or EN), a concept
    id, or the title or alias of a note that defines a concept. Unknown names raise ``UnknownConcept``."""
    text = " ".join(name.split()).strip(" \"'«»“”")
    if not text:
        raise UnknownConcept("an empty concept name")
    hit = rg.concepts.lookup(text)
    if hit:
        return hit
    folded = text.casefold()
    for concept in rg.concepts:
        if concept.id.casefold() == folded:
            return concept.id
    for path, concept in sorted(rg.defines.items()):
        title, _ = rg.note(path)
        aliases = json.loads(rg.conn.execute("SELECT aliases FROM notes WHERE path = ?", (path,)).fetchone()[0])
        if folded in (title.casefold(), *(a.casefold() for a in aliases)):
            return concept
    close = suggestions(rg, text)
    hint = f"; did you mean {', '.join(close)}?" if close else " (the concepts are in schema/concepts.ttl)"
    raise UnknownConcept(f"no concept named {text!r} in the scheme or the vault{hint}")


def suggestions(rg: ReasonGraph, text: str, n: int = 5) -> list[str]:
    """Labels close to ``text`` (spelling first, then labels containing it), as the user would type them."""
    labels: dict[str, str] = {}
    for concept in rg.concepts:
        for label in (concept.label_en, concept.label_ru, *concept.labels, concept.id):
            if label:
                labels.setdefault(label.casefold(), concept.id)
    folded = text.casefold()
    hits = difflib.get_close_matches(folded, list(labels), n=n * 3, cutoff=0.6)
    hits += sorted((k for k in labels if len(folded) >= 4 and folded in k), key=len)
    out: list[str] = []
    for key in hits:
        label = concept_label(rg.concepts, labels[key])
        if label not in out:
            out.append(label)
    return out[:n]


def label(rg: ReasonGraph, cid: str) -> str:
    return concept_label(rg.concepts, cid)


@lru_cache(maxsize=1)
def _scheme_lines() -> dict[str, tuple[int, int]]:
    from ..resources import schema_dir

    out: dict[str, tuple[int, int]] = {}
    lines = (schema_dir() / "concepts.ttl").read_text(encoding="utf-8").splitlines()
    start = None
    for i, line in enumerate(lines, 1):
        m = re.match(r"^c:(\S+)\s*$", line)
        if m:
            start, name = i, m.group(1)
            out[name] = (i, i)
        elif start is not None and not line.strip():
            out[name] = (start, i - 1)
            start = None
    if start is not None:
        out[name] = (start, len(lines))
    return out


def scheme_citation(cid: str) -> Citation | None:
    """Where ``schema/concepts.ttl`` states a concept (its broader and related links)."""
    span = _scheme_lines().get(cid)
    return Citation(SCHEME_FILE, span[0], span[1], None) if span else None


def hierarchy_claim(rg: ReasonGraph, narrow: str, broad: str) -> ClaimRec | None:
    """A claim of the vault that names both concepts, best from a note defining one of them."""
    narrow_notes = rg.defined_in.get(narrow, set())
    broad_notes = rg.defined_in.get(broad, set())
    candidates = [c for p in sorted(narrow_notes | broad_notes) for c in rg.note_claims(p)
                  if {narrow, broad} <= set(c.concepts()) or (p in narrow_notes and set(c.evidence) & broad_notes)]
    # the claim must name the broader concept in its own words, not only through its heading
    named = [c for c in candidates if any(m.concept == broad for m in rg.concepts.find(c.text))]
    if not named:
        return None
    return min(named, key=lambda c: (c.path not in narrow_notes, c.author != "user", c.path, c.line))
