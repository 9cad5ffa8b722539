"""What one note contributes to the reasoning graph: its claims turned into weighted edges.

``claim_cost`` prices a claim as a step of an explanation; ``contributions`` lists the edges a note's
claims support (see ``build.py`` for what each kind of edge means); ``INVERSE`` names a relation read
backwards.
"""

from __future__ import annotations

from .model import ClaimRec, NotePiece

_ROLE_ORDER = {"about": 0, "involves": 1, "affects": 2, "cites": 3, "evidence": 3}
_MAX_ENTITIES = 12


def claim_cost(c: ClaimRec, prompt: bool = False) -> float:
    """The cost of using one claim as a step: 1, more when written by the assistant, unsourced, a
    question, the user's own prompt in a chat export, or a bare list of links; less per paper cited."""
    external = sum(1 for k in c.cites if not k.startswith("note:"))
    return 1.0 + (0.5 if c.author == "assistant" else 0.0) + (0.0 if c.sourced else 0.3) + \
        (1.0 if c.text.rstrip().endswith("?") else 0.0) + (0.8 if prompt else 0.0) + \
        (0.6 if is_navigation(c) else 0.0) - 0.1 * min(external, 3)


def in_prompt(messages: tuple[tuple[int, int, str], ...], c: ClaimRec) -> bool:
    """Whether a claim lies in a message the user wrote in a chat export (a request, not a finding);
    ``messages`` are its note's (line, end_line, author)."""
    return any(a <= c.line <= b and who == "user" for a, b, who in messages)


def is_navigation(c: ClaimRec) -> bool:
    """A line that only points elsewhere ("Related: [[LoRA]], [[PEFT]]", "See [[DPO]]."): it states nothing."""
    links = len(c.evidence) + sum(1 for k in c.cites if k.startswith("note:"))
    words = len(c.text.split())
    return links >= 1 and words <= 4 * links + (2 if links >= 2 else 1)


# --- what one note contributes -----------------------------------------------------------------------

def _entities(c: ClaimRec) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for role, ids in (("about", c.about), ("involves", c.involves), ("affects", c.affects)):
        for cid in ids:
            out.setdefault("c:" + cid, role)
    for key in c.cites:
        out.setdefault("s:" + key, "cites")
    for path in c.evidence:
        out.setdefault("n:" + path, "evidence")
    ents = list(out.items())
    if len(ents) > _MAX_ENTITIES:
        concepts = [e for e in ents if e[0].startswith("c:")][:_MAX_ENTITIES]
        ents = concepts + [e for e in ents if not e[0].startswith("c:")][:max(0, _MAX_ENTITIES - len(concepts))]
    return ents


def _relation(c: ClaimRec, a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str, float] | None:
    """(relation read from the first node, that node, extra cost) for two nodes one claim links."""
    if _ROLE_ORDER[a[1]] > _ROLE_ORDER[b[1]]:
        a, b = b, a
    ra, rb = a[1], b[1]
    if ra in ("cites", "evidence"):
        return None  # two sources of one claim: not an explanation of anything
    if rb in ("cites", "evidence"):
        return "cites", a[0], 0.3
    if ra == rb:
        return "is discussed with", a[0], 0.6
    if rb == "affects":
        return (c.direction or "affects"), a[0], (0.0 if c.direction and ra == "about" else 0.1)
    return ("risks" if "risk" in c.kinds else "involves"), a[0], 0.1


def contributions(piece: NotePiece):
    """The edges (u, v, cost, payload) one note adds; each is added in both directions."""
    own = "n:" + piece.path
    by_id = {c.id: c for c in piece.claims}
    for concept in piece.defines:
        yield own, "c:" + concept, 0.2, ("defines", piece.path, "defines", own)
    for c in piece.claims:
        q = claim_cost(c, in_prompt(piece.messages, c))
        ents = _entities(c)
        n_concepts = sum(1 for e in ents if e[0].startswith("c:"))
        breadth = 0.05 * max(0, n_concepts - 2)
        for i, a in enumerate(ents):
            for b in ents[i + 1:]:
                rel = _relation(c, a, b)
                if rel is not None:
                    yield a[0], b[0], q + rel[2] + breadth, ("claim", c.id, rel[0], rel[1])
            if a[0] != own:
                if a[1] == "evidence":
                    yield own, a[0], q + 0.2, ("claim", c.id, "cites", own)
                elif a[0].startswith("c:"):
                    yield own, a[0], q + 0.5 + breadth, ("claim", c.id, "discusses", own)
    for first, second in (*piece.mitigates, *piece.causes):
        x, y = by_id.get(first), by_id.get(second)
        if x is None or y is None:
            continue
        # a solution's own method mitigates what the risk involves or hurts; a problem's method
        # causes what its consequence involves (or degrades what it hurts)
        mitigation = "solution" in x.kinds
        cost = (claim_cost(x, in_prompt(piece.messages, x)) + claim_cost(y, in_prompt(piece.messages, y))) / 2 + 0.5
        for m in [k for k in x.about if k not in y.about][:4]:
            for target, role in [*((t, "involves") for t in y.involves), *((t, "affects") for t in y.affects)][:4]:
                if target == m:
                    continue
                rel = "mitigates" if mitigation else ("causes" if role == "involves" else (y.direction or "affects"))
                yield "c:" + m, "c:" + target, cost, ("pair", (x.id, y.id), rel, "c:" + m)


INVERSE = {"degrades": "is degraded by", "improves": "is improved by", "affects": "is affected by",
           "risks": "is a risk of", "involves": "is involved in", "mitigates": "is mitigated by",
           "causes": "is caused by", "cites": "is cited by", "discusses": "is discussed in",
           "defines": "is defined in", "is a kind of": "includes", "stands for": "is represented by",
           "is related to": "is related to", "is discussed with": "is discussed with"}
