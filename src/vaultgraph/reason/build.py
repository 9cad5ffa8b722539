"""The reasoning graph: a networkx ``Graph`` over concepts, notes and sources, built from the RDF store.

Nodes are *stations* an explanation passes through: ``c:<concept id>``, ``n:<note path>`` and
``s:<source key>``. An edge says "one claim of the vault connects these two", and carries the best
such claim (cheapest by ``claim_cost``: user-written and sourced first) and how many claims say it:

* a claim about a method that affects a capability (or involves a phenomenon) links the two, read as
  its effect direction ("LoRA —degrades→ reasoning"); two concepts a claim names together are
  "discussed with" each other (a weaker link);
* a claim links the concepts it names to the sources it cites and to the notes it cites as evidence
  (so claims that share a source, and notes that cite each other, connect);
* a claim links its own note to what it is about ("note N discusses X"); a ``type: method`` note
  links to the concept it defines;
* a solution that mitigates a risk, and a problem that causes a consequence, link their concepts
  through the two claims;
* the concept scheme adds ``skos:broader`` ("QLoRA is a kind of LoRA", cheap upward, dearer down)
  and ``skos:related`` ("CoT stands for reasoning" when a method stands for a capability).

Every edge remembers which note contributed it, so a changed note is taken out and put back
without touching the rest (``ReasonGraph.remove_note`` / ``add_note``). The graph is undirected (one
attribute dict per edge, half the memory of a ``DiGraph``); ``step_cost`` reads an edge in the
direction it is walked, which matters only for the hierarchy (up is cheaper than down).
"""

from __future__ import annotations

import math
from collections import defaultdict

from ..extract.concepts import ConceptIndex
from .model import ClaimRec, NotePiece

UP, DOWN, RELATED, STANDS_FOR = 0.4, 1.0, 1.6, 0.05
_ROLE_ORDER = {"about": 0, "involves": 1, "affects": 2, "cites": 3, "evidence": 3}
_MAX_ENTITIES = 12


def claim_cost(c: ClaimRec, prompt: bool = False) -> float:
    """The cost of using one claim as a step: 1, more when written by the assistant, unsourced, a
    question, the user's own prompt in a chat export, or a bare list of links; less per paper cited."""
    external = sum(1 for k in c.cites if not k.startswith("note:"))
    return 1.0 + (0.5 if c.author == "assistant" else 0.0) + (0.0 if c.sourced else 0.3) + \
        (1.0 if c.text.rstrip().endswith("?") else 0.0) + (0.8 if prompt else 0.0) + \
        (0.6 if is_navigation(c) else 0.0) - 0.1 * min(external, 3)


def in_prompt(piece: NotePiece, c: ClaimRec) -> bool:
    """Whether a claim lies in a message the user wrote in a chat export (a request, not a finding)."""
    return any(a <= c.line <= b and who == "user" for a, b, who in piece.messages)


def is_navigation(c: ClaimRec) -> bool:
    """A line that only points elsewhere ("Related: [[LoRA]], [[PEFT]]", "See [[DPO]]."): it states nothing."""
    links = len(c.evidence) + sum(1 for k in c.cites if k.startswith("note:"))
    words = len(c.text.split())
    return links >= 1 and words <= 4 * links + (2 if links >= 2 else 1)


class ReasonGraph:
    """Claims, notes and the station graph ``G`` (networkx), kept in step with the index."""

    def __init__(self, concepts: ConceptIndex):
        import networkx as nx

        self.concepts = concepts
        self.G = nx.Graph()
        self.notes: dict[str, NotePiece] = {}
        self.shas: dict[str, str] = {}
        self.claims: dict[str, ClaimRec] = {}
        self.by_concept: dict[str, set[str]] = defaultdict(set)  # concept id → claim ids naming it
        self.mitigated_by: dict[str, set[str]] = defaultdict(set)  # risk/problem id → solution ids
        self.causes: dict[str, set[str]] = defaultdict(set)  # problem id → consequence ids
        self.defined_in: dict[str, set[str]] = defaultdict(set)  # concept id → defining note paths
        self.cited_by: dict[str, set[str]] = defaultdict(set)  # source key → claim ids
        self.sources: dict[str, tuple[str, str | None]] = {}  # key → (label, url)
        self.linked_from: dict[str, set[str]] = defaultdict(set)  # note path → notes linking to it
        self._edges: dict[str, list[tuple[str, str]]] = {}  # note path → edges it contributed
        self.cache_key = ""
        self.stats = None  # BuildStats of the last load
        self._scheme_edges()

    # --- the concept scheme ----------------------------------------------------------------------

    def _scheme_edges(self) -> None:
        """skos:broader and skos:related as edges with ``scheme = (cost from u, cost from v, payload)``."""
        edges: dict[tuple[str, str], tuple[float, float, tuple]] = {}
        for concept in self.concepts:
            me = "c:" + concept.id
            self.G.add_node(me)
            links = [("c:" + parent, UP, DOWN, "is a kind of") for parent in concept.broader]
            for other in concept.related:
                if other in self.concepts:
                    stands = concept.scheme in ("method", "vault") and self.concepts.get(other).scheme == "capability"
                    links.append(("c:" + other, *((STANDS_FOR, STANDS_FOR, "stands for") if stands
                                                  else (RELATED, RELATED, "is related to"))))
            for other, forward, backward, rel in links:
                key, costs = ((me, other), (forward, backward)) if me <= other else ((other, me), (backward, forward))
                if key not in edges or min(costs) < min(edges[key][:2]):
                    edges[key] = (*costs, ("scheme", rel, me))
        for (u, v), scheme in sorted(edges.items()):
            self.G.add_edge(u, v, by={}, best=None, n=0, w=math.inf, scheme=(u, *scheme))

    # --- notes in and out ----------------------------------------------------------------------------

    def add_note(self, piece: NotePiece, sha: str = "") -> None:
        if piece.path in self.notes:
            self.remove_note(piece.path)
        self.notes[piece.path] = piece
        self.shas[piece.path] = sha
        for c in piece.claims:
            self.claims[c.id] = c
            for concept in c.concepts():
                self.by_concept[concept].add(c.id)
            for key in c.cites:
                self.cited_by[key].add(c.id)
        for sol, target in piece.mitigates:
            self.mitigated_by[target].add(sol)
        for p, q in piece.causes:
            self.causes[p].add(q)
        for concept in piece.defines:
            self.defined_in[concept].add(piece.path)
        for key, label, url in piece.sources:
            self.sources.setdefault(key, (label, url))
        for target in piece.links:
            self.linked_from[target].add(piece.path)
        mine: dict[tuple[str, str], list] = {}  # this note's best claim and claim count per edge
        for u, v, cost, payload in contributions(piece):
            key = (u, v) if u <= v else (v, u)
            best = mine.get(key)
            if best is None:
                mine[key] = [cost, payload, 1]
            else:
                best[2] += 1
                if (cost, payload) < (best[0], best[1]):
                    best[0], best[1] = cost, payload
        for (u, v), (cost, payload, count) in mine.items():
            self._put(u, v, piece.path, cost, payload, count)
        self._edges[piece.path] = list(mine)

    def remove_note(self, path: str) -> None:
        piece = self.notes.pop(path, None)
        self.shas.pop(path, None)
        if piece is None:
            return
        for c in piece.claims:
            self.claims.pop(c.id, None)
            for concept in c.concepts():
                _discard(self.by_concept, concept, c.id)
            for key in c.cites:
                _discard(self.cited_by, key, c.id)
        for sol, target in piece.mitigates:
            _discard(self.mitigated_by, target, sol)
        for p, q in piece.causes:
            _discard(self.causes, p, q)
        for concept in piece.defines:
            _discard(self.defined_in, concept, path)
        for target in piece.links:
            _discard(self.linked_from, target, path)
        for u, v in self._edges.pop(path, ()):
            self._drop(u, v, path)
        for n in [n for n in (f"n:{path}",) if n in self.G and self.G.degree(n) == 0]:
            self.G.remove_node(n)

    def _put(self, u: str, v: str, by: str, cost: float, payload: tuple, count: int) -> None:
        """Record that note ``by`` says u—v with ``count`` claims, the best costing ``cost``."""
        data = self.G.get_edge_data(u, v)
        if data is None:
            self.G.add_edge(u, v, by={by: (cost, payload, count)}, best=(cost, payload), n=count)
            _weigh(self.G[u][v])
            return
        old = data["by"].get(by)
        if old is None or (cost, payload) < (old[0], old[1]):
            data["by"][by] = (cost, payload, count + (old[2] if old else 0))
        else:
            data["by"][by] = (old[0], old[1], old[2] + count)
        data["n"] += count
        if data["best"] is None or (cost, payload) < data["best"]:
            data["best"] = (cost, payload)
        _weigh(data)

    def _drop(self, u: str, v: str, by: str) -> None:
        data = self.G.get_edge_data(u, v)
        old = data["by"].pop(by, None) if data else None
        if old is None:
            return
        data["n"] -= old[2]
        if not data["by"]:
            if "scheme" in data:
                data.update(best=None, n=0, w=math.inf)
                return
            self.G.remove_edge(u, v)
            for n in (u, v):
                if not n.startswith("c:") and self.G.degree(n) == 0:
                    self.G.remove_node(n)
            return
        if (old[0], old[1]) == data["best"]:  # only then is the minimum looked for again
            data["best"] = min((t[0], t[1]) for t in data["by"].values())
        _weigh(data)

    # --- looking things up ---------------------------------------------------------------------

    def label(self, node: str) -> str:
        kind, _, key = node.partition(":")
        if kind == "c":
            return concept_label(self.concepts, key)
        if kind == "n":
            return key.removesuffix(".md")  # the note's path: never mistaken for the concept it defines
        if kind == "s":
            return self.sources.get(key, (key.removeprefix("note:?"), None))[0]
        return node


def concept_label(concepts: ConceptIndex, cid: str) -> str:
    if cid not in concepts:
        return cid
    c = concepts.get(cid)
    return c.label_en or c.id


def _weigh(data: dict) -> None:
    """An edge's claim weight: its best claim, a little cheaper for each further claim that says it."""
    data["w"] = data["best"][0] * (1 - 0.025 * min(data["n"] - 1, 4))


def step_cost(u: str, v: str, d: dict) -> tuple[float, tuple]:
    """(cost, payload) of walking edge u→v: its best claim, or the scheme link when that is cheaper."""
    scheme = d.get("scheme")
    if scheme is not None:
        cost = scheme[1] if u == scheme[0] else scheme[2]
        if cost < d["w"]:
            return cost, scheme[3]
    return d["w"], d["best"][1]


def _discard(index: dict, key, value) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(value)
        if not bucket:
            del index[key]


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
        q = claim_cost(c, in_prompt(piece, c))
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
        cost = (claim_cost(x, in_prompt(piece, x)) + claim_cost(y, in_prompt(piece, y))) / 2 + 0.5
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


def hub_penalty(G, node: str) -> float:
    """Passing through a station costs more the more it connects (a hub explains little)."""
    degree = len(G._adj[node])  # G.degree(node) builds a view per call: 15% of a why() query
    base, per = {"c": (0.0, 0.06), "n": (0.3, 0.12), "s": (0.2, 0.12)}.get(node[0], (0.0, 0.12))
    return base + per * math.log2(1 + degree / 25)
