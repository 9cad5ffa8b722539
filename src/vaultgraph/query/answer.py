"""Answers: ranked passages collapsed into cited statements, grouped by the role they play.

An answer is one statement with every place the vault says it (near-duplicates collapse into one
answer with several citations). Its role is what the passage is in its note: a problem, a
consequence, a solution, a risk, evidence, a cost, a definition, or a plain claim.
"""

from __future__ import annotations

from ..index.passages import Passage
from ..model import Citation
from ..text.words import tokenize
from .results import Answer, Result  # noqa: F401 - Result re-exported: its home was here
from .retrieve import COST_CONCEPTS, Hit

ROLES = ("problem", "consequence", "risk", "solution", "evidence", "cost", "definition", "comparison", "claim",
         "context")
DUPLICATE = 0.6  # Jaccard similarity of stemmed words above which two passages say the same thing
SHORT = 8  # words: statements shorter than this must differ in at most one word to be the same
TEXT_CHARS = 600


def answer_role(p: Passage, intent: str) -> str:
    kinds = set(p.kinds)
    if p.field == "frontmatter":
        return "context"
    for kind, role in (("solution", "solution"), ("consequence", "consequence"), ("problem", "problem")):
        if kind in kinds:
            return role
    if intent == "cost" and (p.cost or COST_CONCEPTS & set(p.affects)):
        return "cost"
    if "risk" in kinds or "limitation" in kinds:
        return "risk"
    if intent == "evidence" and p.cites or p.role == "sources":
        return "evidence"
    if intent == "definition" and p.topic and p.position <= 3:
        return "definition"
    if p.cost:
        return "cost"
    if "result" in kinds:
        return "evidence"
    return "claim"


def citation(p: Passage) -> Citation:
    return Citation(p.path, p.line, p.end_line, p.heading[-1] if p.heading else None)


INHERITED_SHARE = 3  # at most one answer in three is inherited from a broader concept


def assemble(hits: list[Hit], intent: str, top: int, labels: dict[str, str]) -> tuple[Answer, ...]:
    """The ``top`` best answers: duplicates merged, sections dropped where a claim inside is shown.

    Claims inherited from a broader concept (LoRA's for a question on QLoRA) come after the concept's
    own and keep up to a third of the places, so they are shown even when its own claims are many."""
    own = _collapse([h for h in hits if not h.inherited_from], top * 2)
    inherited = [k for k in _collapse([h for h in hits if h.inherited_from], top)
                 if not any(_similar(k["words"], o["words"]) for o in own)]
    n_inherited = min(len(inherited), max(top - len(own), top // INHERITED_SHARE))
    kept = own[:top - n_inherited] + inherited[:n_inherited]
    return tuple(Answer(role=answer_role(k["p"], intent), text=_clip(k["p"].text), score=k["h"].score,
                        citations=tuple(k["cites"]), sources=tuple(k["sources"]), author=k["p"].author,
                        inherited_from=labels.get(k["h"].inherited_from, k["h"].inherited_from)
                        if k["h"].inherited_from else None)
                 for k in kept)


def _collapse(hits: list[Hit], limit: int) -> list[dict]:
    """Up to ``limit`` distinct statements, best first, each with every place that says it."""
    kept: list[dict] = []
    for h in hits:
        p = h.passage
        words = set(tokenize(p.text))
        if p.field == "section" and any(k["p"].path == p.path and p.line <= k["p"].line <= p.end_line
                                        for k in kept):
            continue
        if p.field == "claim" and any(k["p"].path == p.path and k["p"].line == p.line and k["p"].field == "claim"
                                      for k in kept):
            continue  # one answer per place: a table row's statements cite one line
        twin = next((k for k in kept if _similar(words, k["words"])), None)
        if twin is not None:
            if all((c.path, c.line) != (p.path, p.line) for c in twin["cites"]):
                twin["cites"].append(citation(p))
                twin["sources"] += [s for s in p.sources if s not in twin["sources"]]
            continue
        if len(kept) >= limit:
            break
        kept.append({"p": p, "h": h, "words": words, "cites": [citation(p)], "sources": list(p.sources)})
    # a section is shown only when none of its claims is
    return [k for k in kept if not (k["p"].field == "section" and any(
        o["p"].field == "claim" and o["p"].path == k["p"].path and k["p"].line <= o["p"].line <= k["p"].end_line
        for o in kept))]


def _similar(a: set[str], b: set[str]) -> bool:
    """Two statements say the same thing: most of their words are shared, and a short one differs in at
    most one word ("Append content to daily note" is not "Prepend content to daily note")."""
    if not a or not b:
        return False
    shared = len(a & b) / len(a | b)
    if min(len(a), len(b)) < SHORT:
        return len(a ^ b) <= 1 and shared >= DUPLICATE
    return shared >= DUPLICATE


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS].rsplit(" ", 1)[0] + " …"
