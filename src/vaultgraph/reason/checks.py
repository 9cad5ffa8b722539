"""Vault health from the reasoning graph: what ``kg check`` reports as warnings (never as failures).

* unsourced claims: claims that assert something checkable (a risk, a result, an effect on a
  capability) and cite nothing — no footnote, paper, URL or note;
* unmitigated risks: risks no solution anywhere in the vault answers — neither one linked to it
  (``vg:mitigates``/``vg:addresses``) nor one about the same method and the same phenomenon or
  capability in any note;
* orphan notes: notes that link to no note and that no note links to;
* undefined concepts: concepts named by many claims across several notes, with no note of their own
  (no ``type: method`` note defines them).
"""

from __future__ import annotations

from .build import ReasonGraph
from .edges import in_prompt, is_navigation
from .comparison import lineage
from .model import ClaimRec
from .names import label

MIN_MENTIONS = 5
MIN_NOTES = 2


def health(rg: ReasonGraph) -> dict[str, list[dict]]:
    return {"unsourced_claims": unsourced_claims(rg), "unmitigated_risks": unmitigated_risks(rg),
            "orphan_notes": orphan_notes(rg), "undefined_concepts": undefined_concepts(rg)}


def _row(c: ClaimRec, **extra) -> dict:
    return {"path": c.path, "line": c.line, "end_line": c.end_line, "heading": c.heading, "text": c.text,
            "kinds": list(c.kinds), "author": c.author, **extra}


def _claims(rg: ReasonGraph):
    return sorted(rg.claims.values(), key=lambda c: (c.path, c.line, c.id))


def unsourced_claims(rg: ReasonGraph) -> list[dict]:
    """Checkable claims citing nothing, in a section where no claim cites anything either."""
    sourced_sections = {(c.path, c.heading) for c in rg.claims.values() if c.sourced}
    out = []
    for c in _claims(rg):
        if c.path in rg.notes and in_prompt(rg.notes[c.path], c):
            continue  # the user's own question in a chat export
        checkable = bool({"risk", "result"} & set(c.kinds)) or bool(c.affects and c.direction)
        if not checkable or c.sourced or "solution" in c.kinds or is_navigation(c) or c.text.rstrip().endswith("?"):
            continue
        if (c.path, c.heading) not in sourced_sections:
            out.append(_row(c, about=list(c.about)))
    return out


def _topics(rg: ReasonGraph, c: ClaimRec, broader: bool = False) -> set[tuple[str, str]]:
    methods = set(c.about)
    if broader:  # a mitigation for fine-tuning's forgetting answers LoRA's forgetting too
        methods |= {a for m in c.about for a, _ in lineage(rg, m)}
    return {(m, x) for m in methods for x in (*c.involves, *c.affects)}


def unmitigated_risks(rg: ReasonGraph) -> list[dict]:
    """Risks that no solution answers: none linked to it, none anywhere on the same method (or a broader
    one) and the same phenomenon or capability, and — for a risk naming neither — none about its method."""
    covered: set[tuple[str, str]] = set()
    about: set[str] = set()
    for c in rg.claims.values():
        if "solution" in c.kinds:
            covered |= _topics(rg, c)
            about |= set(c.about)
    out = []
    for c in _claims(rg):
        if "risk" not in c.kinds or "solution" in c.kinds or rg.mitigated_by.get(c.id) or is_navigation(c):
            continue
        topics = _topics(rg, c, broader=True)
        if topics & covered or (not topics and set(c.about) & about):
            continue
        out.append(_row(c, about=list(c.about),
                        topics=sorted(f"{label(rg, m)} / {label(rg, x)}" for m, x in _topics(rg, c))))
    return out


def orphan_notes(rg: ReasonGraph) -> list[dict]:
    out = []
    for path, piece in sorted(rg.notes.items()):
        if not piece.links and not rg.linked_from.get(path):
            out.append({"path": path, "title": piece.title, "claims": len(piece.claims)})
    return out


def undefined_concepts(rg: ReasonGraph) -> list[dict]:
    out = []
    for cid, ids in rg.by_concept.items():
        if rg.defined_in.get(cid) or len(ids) < MIN_MENTIONS:
            continue
        notes = {rg.claims[i].path for i in ids if i in rg.claims}
        if len(notes) >= MIN_NOTES:
            out.append({"concept": cid, "label": label(rg, cid), "claims": len(ids), "notes": len(notes)})
    return sorted(out, key=lambda r: (-r["claims"], r["concept"]))
