"""Retrieval: graph candidates first, then dense and lexical hits fused by reciprocal rank.

The graph gives the passages linked to the question's concepts (about, affecting, involving them, or
in the note that defines one; what a concept stands for counts too: CoT is read as reasoning), the
broader concepts' passages marked as inherited, and the solutions and consequences linked by the
graph's relations to the risks and problems found. Dense (FAISS) and lexical (BM25) lists search the
whole vault and are fused by reciprocal rank. A passage's score is

    field weight × (fused retrieval rank + GRAPH × concept link + RELATION × linked) × (1 + ROLE × role fit)

where the retrieval part is normalised to the question's best, the concept link is the share of the
question's concepts the passage is linked to (weighted by how), and role fit says how well what the
passage is (a risk, a solution, a cost, a definition …) fits what the question asks for.

A passage is *relevant* only when it is linked to a concept of the question, or when its text is
close to the question (dense similarity or, without concepts, a strong lexical match): nothing else
is returned, so a question the vault cannot answer gets no answers rather than the least bad ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..extract.concepts import ConceptIndex
from ..text.words import tokenize
from ..extract.units import fact_meaning
from ..index.passages import Passage
from ..index.store import passages_by_row, related, rows_of_ids

RRF_K = 60
DEPTH = 100  # candidates taken from each retrieval list
SHORTLIST = 200  # candidates taken from the graph
REL_WEIGHT = {"about": 1.0, "affects": 0.9, "involves": 0.9, "topic": 0.7}
INHERITED = 0.55  # weight of a broader concept's passage, per step up the hierarchy
NARROWER = 0.6
COVER = 2.0  # weight of coverage in the score (on the dev halves: 0.5 → 2.0 raised MRR 0.754 → 0.792)
TERM = 0.8  # link weight of a learned term's defining passage
GRAPH = 1.0
RELATION = 0.5
ROLE = 0.6
RARE = 1.0  # a passage holding the question's rare words scores up to 2x; rare: in at most one passage of
RARE_PER = 100_000  # this many. Measured at 10,000 notes (392k passages): without it a sentence just added
# with a new word, asked as "<word> effect", was missing from the top 5 in 3 edits of 12; with it 0 of 12.
# Below 100k passages no word counts as rare: the demo and seed gold sets lost hit@1 (0.58 -> 0.54, 0.70 -> 0.65)
# when every word held by up to 3 passages did.

WANTED: dict[str, dict[str, float]] = {
    "risk": {"risk": 1.0, "problem": 0.9, "consequence": 0.8, "limitation": 0.8},
    "problem": {"problem": 1.0, "risk": 0.7, "limitation": 0.5},
    "consequence": {"consequence": 1.0, "risk": 0.5, "problem": 0.3},
    "solution": {"solution": 1.0},
    "evidence": {"result": 0.6},
    "cost": {},
    "comparison": {"result": 0.3},
    "definition": {},
    "explanation": {"risk": 0.5, "result": 0.5, "consequence": 0.5},
    "open": {},
}
COST_CONCEPTS = frozenset({"TrainingCost", "InferenceCost", "MemoryFootprint", "Latency", "Throughput"})


@dataclass
class Hit:
    row: int
    graph: float = 0.0  # concept link: 0..1, the share of the question's concepts, weighted by how
    covered: set[str] = field(default_factory=set)  # question concepts this passage is about
    inherited_from: str | None = None
    via: str | None = None  # "mitigates" / "causes": reached through a relation of the graph
    dense: float | None = None
    lexical: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    passage: Passage | None = None
    score: float = 0.0
    term: float = 0.0  # a learned term the question names is defined here (its specificity)
    cover: float = 0.0  # share of the question's weighted words the passage holds
    relevance: float = 0.0  # probability that it answers at all (query/relevance.py)


def expansions(concepts: ConceptIndex, entities: tuple[str, ...], intent: str) -> dict[str, list[tuple[str, float, str | None]]]:
    """concept id → [(question entity, weight, inherited from)] for the graph lookup."""
    out: dict[str, list[tuple[str, float, str | None]]] = {}

    def add(cid: str, entity: str, weight: float, inherited: str | None = None) -> None:
        out.setdefault(cid, []).append((entity, weight, inherited))

    for e in entities:
        add(e, e, 1.0)
        if e not in concepts:
            continue
        for r in concepts.get(e).related:  # a method that stands for a capability (CoT → reasoning)
            if r in concepts and concepts.get(r).scheme == "capability":
                add(r, e, 0.85)
        if intent in ("risk", "problem", "consequence", "solution", "open", "definition", "cost"):
            for depth, parent in enumerate(concepts.ancestors(e)[:4], 1):
                if parent not in entities:
                    add(parent, e, INHERITED ** depth, parent)
        for child in (c.id for c in concepts if e in c.broader):
            if child not in entities:
                add(child, e, NARROWER)
    return out


def role_match(p: Passage, intent: str) -> float:
    wanted = WANTED.get(intent, {})
    score = max((wanted.get(k, 0.0) for k in p.kinds), default=0.0)
    if intent == "evidence" and (p.role == "sources" or p.cites):
        score = max(score, 1.0 if p.role == "sources" or len(p.sources) > 1 else 0.8)
    if intent == "cost" and (p.cost or COST_CONCEPTS & set(p.affects)):
        score = max(score, 1.0)
    if intent == "definition" and p.topic and p.field != "frontmatter" and p.position <= 3:
        score = max(score, 1.0 - 0.2 * p.position)
    if intent in ("comparison", "explanation") and p.direction:
        score = max(score, 0.6)
    return score


def graph_hits(conn, segments, concepts: ConceptIndex, entities: tuple[str, ...], intent: str) -> dict[int, Hit]:
    """Passages the graph links to the question's concepts (``segments.linked``: the search files' concept
    links), scored by how they are linked and by how well their role fits the question; the best ones
    are loaded (``hit.passage``)."""
    table = expansions(concepts, entities, intent)
    links = [(cid, entity, weight, inherited) for cid, rows in table.items() for entity, weight, inherited in rows]
    found = segments.linked(links, len(entities), WANTED.get(intent, {}), REL_WEIGHT, SHORTLIST)
    loaded = passages_by_row(conn, [row for row, *_ in found])
    hits: dict[int, Hit] = {}
    for row, score, covered, inherited in found:
        if row in loaded:
            hits[row] = Hit(row, graph=score, covered=covered, inherited_from=inherited, passage=loaded[row])
    # walk the graph's relations: solutions of the risks found, consequences of the problems found
    if intent in ("solution", "consequence", "risk", "problem"):
        rel = "mitigates" if intent in ("solution", "risk") else "causes"
        top = sorted((h for h in hits.values() if h.covered), key=lambda h: -h.graph)[:DEPTH]
        ids = {h.passage.id for h in top}
        pairs = related(conn, ids, rel, reverse=(rel == "mitigates"))
        linked = rows_of_ids(conn, [s if rel == "mitigates" else d for s, d in pairs])
        for src, dst in pairs:
            found, linked_id = (dst, src) if rel == "mitigates" else (src, dst)
            row = linked.get(linked_id)
            if row is None or found not in ids:
                continue
            hit = hits.setdefault(row, Hit(row))
            hit.via = rel
    return hits


def term_hits(conn, hits: dict[int, Hit], terms) -> dict[int, set[str]]:
    """Add the passages defining the learned terms the question names (``Question.terms``); returns
    row → the question words those terms cover."""
    from ..index.store import rows_at

    defined: dict[int, set[str]] = {}
    for words, places, specificity in terms:
        for row in rows_at(conn, places):
            hit = hits.setdefault(row, Hit(row))
            hit.term = max(hit.term, specificity)
            defined.setdefault(row, set()).update(words)
    return defined


def fuse(hits: dict[int, Hit], lists: dict[str, list[tuple[int, float]]]) -> None:
    """Reciprocal rank fusion of the retrieval lists into ``hit.score`` (0..1: the question's best is 1)."""
    for name, items in lists.items():
        for rank, (row, value) in enumerate(items[:DEPTH], 1):
            hit = hits.setdefault(row, Hit(row))
            hit.ranks[name] = rank
            setattr(hit, name, value)
    for h in hits.values():
        h.score = sum(1.0 / (RRF_K + r) for r in h.ranks.values())
    best = max((h.score for h in hits.values()), default=0.0)
    for h in hits.values():
        h.score = h.score / best if best else 0.0


POLARITY = {"yes": 1.0, "higher": 1.0, "lower": 1.0, "partly": 0.85, "no": 0.7}
_NEGATED = re.compile(r"(?<!\w)(not|no|never|without|\w+n't|не|нет|без|никогда|ни)(?!\w)", re.IGNORECASE)


def polarity(p: Passage, negated: bool) -> float:
    """A table's statements answer "which methods reduce the size" with their yeses first, and "which do not"
    with their noes first (its other passages are unaffected)."""
    meaning = fact_meaning(p.text) if p.origin == "fact" else None
    if meaning is None:
        return 1.0
    if negated and meaning in ("yes", "no"):
        meaning = "no" if meaning == "yes" else "yes"
    return POLARITY[meaning]


def finish(hits: dict[int, Hit], intent: str, rare: frozenset[str] = frozenset(), question: str = "") -> list[Hit]:
    """Final scores of the relevant, loaded hits, best first. ``rare``: the question's words that few
    passages hold (a name the user just wrote down): fusion favours passages both searches agree on, which
    would otherwise bury the one passage that holds such a word under many that share the common ones."""
    out = []
    negated = bool(_NEGATED.search(question))
    for h in hits.values():
        p = h.passage
        if p is None or not p.weight:  # found, but never an answer (index/passages.py NO_ANSWER)
            continue
        link = max(h.graph, TERM * h.term)
        h.score = p.weight * polarity(p, negated) * (h.score + GRAPH * link + RELATION * bool(h.via) +
                                                       COVER * h.cover) * (1 + ROLE * role_match(p, intent))
        if rare:
            h.score *= 1 + RARE * len(rare & set(tokenize(p.search_text))) / len(rare)
        out.append(h)
    out.sort(key=lambda h: (-h.score, h.passage.path, h.passage.line))
    return out
