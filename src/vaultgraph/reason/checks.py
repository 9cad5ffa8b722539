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

from . import records
from .build import ReasonGraph
from .edges import in_prompt, is_navigation
from .comparison import lineage
from .model import ClaimRec
from .names import label

MIN_MENTIONS = 5
MIN_NOTES = 2


def health(rg: ReasonGraph) -> dict[str, list[dict]]:
    claims = sorted(records.every_claim(rg.conn, rg.saved), key=lambda c: (c.path, c.line, c.id))
    return {"unsourced_claims": unsourced_claims(rg, claims), "unmitigated_risks": unmitigated_risks(rg, claims),
            "orphan_notes": orphan_notes(rg), "undefined_concepts": undefined_concepts(rg, claims)}


def _row(c: ClaimRec, **extra) -> dict:
    return {"path": c.path, "line": c.line, "end_line": c.end_line, "heading": c.heading, "text": c.text,
            "kinds": list(c.kinds), "author": c.author, **extra}


def unsourced_claims(rg: ReasonGraph, claims: list[ClaimRec]) -> list[dict]:
    """Checkable claims citing nothing, in a section where no claim cites anything either."""
    sourced_sections = {(c.path, c.heading) for c in claims if c.sourced}
    messages = records.messages(rg.conn)
    out = []
    for c in claims:
        if in_prompt(messages.get(c.path, ()), c):
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


def unmitigated_risks(rg: ReasonGraph, claims: list[ClaimRec]) -> list[dict]:
    """Risks that no solution answers: none linked to it, none anywhere on the same method (or a broader
    one) and the same phenomenon or capability, and — for a risk naming neither — none about its method."""
    covered: set[tuple[str, str]] = set()
    about: set[str] = set()
    ids = {c.id for c in claims}
    for c in claims:
        if "solution" in c.kinds:
            covered |= _topics(rg, c)
            about |= set(c.about)
    mitigated = {dst for src, dst in rg.conn.execute("SELECT src, dst FROM relations WHERE rel = 'mitigates'")
                 if src in ids}
    out = []
    for c in claims:
        if "risk" not in c.kinds or "solution" in c.kinds or c.id in mitigated or is_navigation(c):
            continue
        topics = _topics(rg, c, broader=True)
        if topics & covered or (not topics and set(c.about) & about):
            continue
        out.append(_row(c, about=list(c.about),
                        topics=sorted(f"{label(rg, m)} / {label(rg, x)}" for m, x in _topics(rg, c))))
    return out


def orphan_notes(rg: ReasonGraph) -> list[dict]:
    """Notes that link to no note (or file) and that no note links to."""
    linked = {r[0] for r in rg.conn.execute("SELECT source FROM links WHERE target IS NOT NULL AND target != source")}
    linked |= {r[0] for r in rg.conn.execute("SELECT target FROM links WHERE target IS NOT NULL AND target != source")}
    counts = dict(rg.conn.execute("SELECT path, count(*) FROM passages WHERE field = 'claim' GROUP BY path").fetchall())
    out = []
    for (path,) in rg.conn.execute("SELECT path FROM notes WHERE record IS NOT NULL ORDER BY path"):
        if path not in linked:
            out.append({"path": path, "title": rg.note(path)[0],
                        "claims": 0 if path in rg.saved else counts.get(path, 0)})
    return out


def undefined_concepts(rg: ReasonGraph, claims: list[ClaimRec]) -> list[dict]:
    by_concept: dict[str, list[ClaimRec]] = {}
    for c in claims:
        for concept in c.concepts():
            by_concept.setdefault(concept, []).append(c)
    out = []
    for cid, named in by_concept.items():
        if rg.defined_in.get(cid) or len(named) < MIN_MENTIONS:
            continue
        notes = {c.path for c in named}
        if len(notes) >= MIN_NOTES:
            out.append({"concept": cid, "label": label(rg, cid), "claims": len(named), "notes": len(notes)})
    return sorted(out, key=lambda r: (-r["claims"], r["concept"]))
