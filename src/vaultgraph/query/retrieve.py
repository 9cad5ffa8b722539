"""Retrieval: graph candidates first, then dense and lexical hits, fused by reciprocal rank.

The graph list holds the passages about the question's concepts (and what those concepts stand for:
CoT is read as reasoning), the broader concepts' passages marked as inherited, and the solutions and
consequences linked to the risks found. Dense (FAISS) and lexical (BM25) lists come from the whole
vault. Reciprocal rank fusion merges the lists; a passage's final score is its fused score times its
field weight, boosted when its role fits the question and when it covers the question's concepts.

A passage is *relevant* only when it is about a concept of the question, or when its text is close
to the question (dense similarity or a strong lexical match): nothing else is ever returned, so a
question the vault cannot answer gets no answers rather than the least bad ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..extract.concepts import ConceptIndex
from ..index.passages import Passage
from ..index.store import passages_by_row, related, rows_for_concepts, rows_of_ids

RRF_K = 60
DEPTH = 150  # candidates taken from each list
REL_WEIGHT = {"about": 1.0, "affects": 0.9, "involves": 0.9, "topic": 0.7}
INHERITED = 0.55  # weight of a broader concept's passage, per step up the hierarchy
NARROWER = 0.6
DENSE_FLOOR = 0.40  # cosine: below this a passage about none of the question's concepts is not relevant
DENSE_FLOOR_WITH_ENTITIES = 0.50
LEXICAL_FLOOR = 0.55  # BM25 score relative to the best hit of the question
ROLE_BOOST = 0.8
COVERAGE_BOOST = 1.2

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
    graph: float = 0.0
    covered: set[str] = field(default_factory=set)  # question concepts this passage is about
    inherited_from: str | None = None
    via: str | None = None  # "mitigates" / "causes": reached through a relation of the graph
    dense: float | None = None
    lexical: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    passage: Passage | None = None
    score: float = 0.0


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
    if intent == "evidence" and (p.sources or p.role == "sources"):
        score = max(score, 1.0 if p.role == "sources" or len(p.sources) > 1 else 0.8)
    if intent == "cost" and (p.cost or COST_CONCEPTS & set(p.affects)):
        score = max(score, 1.0)
    if intent == "definition" and p.topic and p.field != "frontmatter" and p.position <= 3:
        score = max(score, 1.0 - 0.2 * p.position)
    if intent in ("comparison", "explanation") and p.direction:
        score = max(score, 0.6)
    return score


def graph_hits(conn, concepts: ConceptIndex, entities: tuple[str, ...], intent: str) -> dict[int, Hit]:
    hits: dict[int, Hit] = {}
    table = expansions(concepts, entities, intent)
    wanted = WANTED.get(intent, {})
    for row, cid, rel, kinds, fld in rows_for_concepts(conn, table):
        hit = hits.setdefault(row, Hit(row))
        for entity, weight, inherited in table[cid]:
            w = weight * REL_WEIGHT.get(rel, 0.5)
            if entity not in hit.covered or inherited is None:
                if inherited is None:
                    hit.covered.add(entity)
                    hit.inherited_from = None
                elif not hit.covered:
                    hit.inherited_from = hit.inherited_from or inherited
            hit.graph += w
        hit.graph += max((wanted.get(k, 0.0) for k in kinds.split(",") if k), default=0.0)
        if fld == "frontmatter":
            hit.graph *= 0.3
    # walk the graph's relations: solutions of the risks found, consequences of the problems found
    if intent in ("solution", "consequence", "risk", "problem"):
        rel = "mitigates" if intent in ("solution", "risk") else "causes"
        top = sorted((h for h in hits.values() if h.covered), key=lambda h: -h.graph)[:DEPTH]
        ids = {p.id: p for p in passages_by_row(conn, [h.row for h in top]).values()}
        pairs = related(conn, ids, rel, reverse=(rel == "mitigates"))
        linked = rows_of_ids(conn, [s if rel == "mitigates" else d for s, d in pairs])
        for src, dst in pairs:
            found, linked_id = (dst, src) if rel == "mitigates" else (src, dst)
            row = linked.get(linked_id)
            if row is None or found not in ids:
                continue
            hit = hits.setdefault(row, Hit(row))
            if not hit.covered:
                hit.via = rel
            hit.graph += 0.8
    return hits


def fuse(hits: dict[int, Hit], lists: dict[str, list[tuple[int, float]]]) -> None:
    """Reciprocal rank fusion of the graph list and the retrieval lists into ``hit.score``."""
    ranked_graph = sorted((h for h in hits.values() if h.graph > 0), key=lambda h: (-h.graph, h.row))[:DEPTH]
    for rank, h in enumerate(ranked_graph, 1):
        h.ranks["graph"] = rank
    for name, items in lists.items():
        for rank, (row, value) in enumerate(items[:DEPTH], 1):
            hit = hits.setdefault(row, Hit(row))
            hit.ranks[name] = rank
            setattr(hit, name, value)
    for h in hits.values():
        h.score = sum(1.0 / (RRF_K + r) for r in h.ranks.values())


def relevant(h: Hit, entities: tuple[str, ...], best_lexical: float) -> bool:
    if h.covered or h.via or h.inherited_from:
        return True
    floor = DENSE_FLOOR_WITH_ENTITIES if entities else DENSE_FLOOR
    if h.dense is not None and h.dense >= floor:
        return True
    return bool(h.lexical and best_lexical and h.lexical >= LEXICAL_FLOOR * best_lexical and not entities)


def finish(hits: dict[int, Hit], entities: tuple[str, ...], intent: str) -> list[Hit]:
    """Final scores of the relevant, loaded hits, best first."""
    out = []
    for h in hits.values():
        p = h.passage
        if p is None:
            continue
        coverage = len(h.covered) / len(entities) if entities else 0.0
        if h.inherited_from and not h.covered:
            coverage = 0.5 / len(entities)
        boost = 1.0 + ROLE_BOOST * role_match(p, intent) + COVERAGE_BOOST * coverage
        h.score = h.score * p.weight * boost
        out.append(h)
    out.sort(key=lambda h: (-h.score, h.passage.path, h.passage.line))
    return out
