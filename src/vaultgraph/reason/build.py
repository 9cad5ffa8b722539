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
from dataclasses import replace

from ..extract.concepts import ConceptIndex
from .edges import contributions
from .model import ClaimRec, NotePiece

UP, DOWN, RELATED, STANDS_FOR = 0.4, 1.0, 1.6, 0.05


class ReasonGraph:
    """The station graph ``G`` (networkx) with the notes' claims, kept in step with the index.

    Stored in three parts so that a question loads only what it needs (``cache.py``): the graph
    itself (``G``, notes without their claims, a few small indexes) always; the claims and their
    indexes (``claims``, ``by_concept``, ``cited_by``, ``mitigated_by``, ``causes``) on first use; the
    per-note bookkeeping of every edge only when a changed note must be taken out or put in. ``why``
    needs no claims part: the few claims a path cites are read from their notes' named graphs.
    """

    CLAIM_PARTS = ("claims", "note_claims", "by_concept", "cited_by", "mitigated_by", "causes")

    def __init__(self, concepts: ConceptIndex):
        import networkx as nx

        self.concepts = concepts
        self.G = nx.Graph()
        self.notes: dict[str, NotePiece] = {}  # without their claims (see note_claims)
        self.shas: dict[str, str] = {}
        self.defined_in: dict[str, set[str]] = defaultdict(set)  # concept id → defining note paths
        self.sources: dict[str, tuple[str, str | None]] = {}  # key → (label, url)
        self.linked_from: dict[str, set[str]] = defaultdict(set)  # note path → notes linking to it
        self.claim_count = 0
        self.concept_claims: dict[str, int] = defaultdict(int)  # concept id → claims naming it
        self.cache_key = ""
        self.stats = None  # BuildStats of the last load
        self._parts: dict = {"claims": {}, "note_claims": {}, "by_concept": defaultdict(set),
                             "cited_by": defaultdict(set), "mitigated_by": defaultdict(set),
                             "causes": defaultdict(set), "book": {}}
        self._loader = None  # part name → its data, for a graph read from the cache
        self._fetch = None  # note path → NotePiece read from the store
        self._fetched: dict[str, NotePiece] = {}
        self._scheme_edges()

    # --- lazily loaded parts ---------------------------------------------------------------------

    def _part(self, name: str):
        if name not in self._parts:
            group = ("book",) if name == "book" else self.CLAIM_PARTS
            data = self._loader("book" if name == "book" else "claims")
            self._parts.update((k, data[k]) for k in group)
        return self._parts[name]

    claims = property(lambda self: self._part("claims"))  # claim id → ClaimRec
    by_concept = property(lambda self: self._part("by_concept"))  # concept id → claim ids naming it
    cited_by = property(lambda self: self._part("cited_by"))  # source key → claim ids
    mitigated_by = property(lambda self: self._part("mitigated_by"))  # risk/problem id → solution ids
    causes = property(lambda self: self._part("causes"))  # problem id → consequence ids

    def note_claims(self, path: str) -> tuple[ClaimRec, ...]:
        """One note's claims, without loading every claim of the vault when they are not in memory."""
        if "note_claims" in self._parts or self._fetch is None:
            return self._part("note_claims").get(path, ())
        if path not in self._fetched:
            self._fetched[path] = self._fetch(path)
        return self._fetched[path].claims

    def claim(self, claim_id: str) -> ClaimRec | None:
        if "claims" in self._parts or self._fetch is None:
            return self._part("claims").get(claim_id)
        path = claim_path(claim_id)
        return next((c for c in self.note_claims(path) if c.id == claim_id), None) if path else None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.update(_parts={}, _loader=None, _fetch=None, _fetched={}, stats=None)
        return state

    def parts(self) -> dict:
        """Every part, for writing the cache (loads those not in memory)."""
        return {"claims": {k: self._part(k) for k in self.CLAIM_PARTS}, "book": {"book": self._part("book")}}

    # --- the concept scheme ----------------------------------------------------------------------

    def _scheme_edges(self) -> None:
        """skos:broader and skos:related as edges with ``scheme = (u, cost from u, cost from v, payload)``."""
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
            self.G.add_edge(u, v, w=math.inf, p=None, scheme=(u, *scheme))

    # --- notes in and out ----------------------------------------------------------------------------

    def add_note(self, piece: NotePiece, sha: str = "") -> None:
        if piece.path in self.notes:
            self.remove_note(piece.path)
        claims, index = self._part("claims"), self._parts
        self.notes[piece.path] = replace(piece, claims=())
        self.shas[piece.path] = sha
        index["note_claims"][piece.path] = piece.claims
        self.claim_count += len(piece.claims)
        for c in piece.claims:
            claims[c.id] = c
            for concept in c.concepts():
                index["by_concept"][concept].add(c.id)
                self.concept_claims[concept] += 1
            for key in c.cites:
                index["cited_by"][key].add(c.id)
        for sol, target in piece.mitigates:
            index["mitigated_by"][target].add(sol)
        for p, q in piece.causes:
            index["causes"][p].add(q)
        for concept in piece.defines:
            self.defined_in[concept].add(piece.path)
        for key, label, url in piece.sources:
            self.sources.setdefault(key, (label, url))
        for target in piece.links:
            self.linked_from[target].add(piece.path)
        for (u, v), (cost, payload, count) in _per_edge(piece).items():
            self._put(u, v, piece.path, cost, payload, count)

    def remove_note(self, path: str) -> None:
        meta = self.notes.pop(path, None)
        self.shas.pop(path, None)
        if meta is None:
            return
        claims, index = self._part("claims"), self._parts
        piece = replace(meta, claims=index["note_claims"].pop(path, ()))
        self.claim_count -= len(piece.claims)
        for c in piece.claims:
            claims.pop(c.id, None)
            for concept in c.concepts():
                _discard(index["by_concept"], concept, c.id)
                self.concept_claims[concept] -= 1
                if not self.concept_claims[concept]:
                    del self.concept_claims[concept]
            for key in c.cites:
                _discard(index["cited_by"], key, c.id)
        for sol, target in piece.mitigates:
            _discard(index["mitigated_by"], target, sol)
        for p, q in piece.causes:
            _discard(index["causes"], p, q)
        for concept in piece.defines:
            _discard(self.defined_in, concept, path)
        for target in piece.links:
            _discard(self.linked_from, target, path)
        for u, v in _per_edge(piece):  # the same edges add_note put in, derived again from the note
            self._drop(u, v, path)
        if f"n:{path}" in self.G and not self.G[f"n:{path}"]:
            self.G.remove_node(f"n:{path}")

    def _put(self, u: str, v: str, by: str, cost: float, payload: tuple, count: int) -> None:
        """Record that note ``by`` says u—v with ``count`` claims, the best costing ``cost``."""
        book = self._part("book")
        entry = book.get((u, v))
        if entry is None:
            entry = book[(u, v)] = [{}, None, 0]
            if not self.G.has_edge(u, v):
                self.G.add_edge(u, v, w=math.inf, p=None)
        old = entry[0].get(by)
        if old is None or (cost, payload) < (old[0], old[1]):
            entry[0][by] = (cost, payload, count + (old[2] if old else 0))
        else:
            entry[0][by] = (old[0], old[1], old[2] + count)
        entry[2] += count
        if entry[1] is None or (cost, payload) < entry[1]:
            entry[1] = (cost, payload)
        _weigh(self.G[u][v], entry)

    def _drop(self, u: str, v: str, by: str) -> None:
        book = self._part("book")
        entry = book.get((u, v))
        old = entry[0].pop(by, None) if entry else None
        if old is None:
            return
        entry[2] -= old[2]
        data = self.G[u][v]
        if not entry[0]:
            del book[(u, v)]
            if "scheme" in data:
                data.update(w=math.inf, p=None)
                return
            self.G.remove_edge(u, v)
            for n in (u, v):
                if not n.startswith("c:") and not self.G[n]:
                    self.G.remove_node(n)
            return
        if (old[0], old[1]) == entry[1]:  # only then is the minimum looked for again
            entry[1] = min((t[0], t[1]) for t in entry[0].values())
        _weigh(data, entry)

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


def claim_path(claim_id: str) -> str | None:
    """The vault path of a claim, from its IRI (``graph/build.py: claim_iri``)."""
    from urllib.parse import unquote

    from ..graph.namespace import NOTE

    base = str(NOTE)
    return unquote(claim_id[len(base):].partition("#")[0]) if claim_id.startswith(base) else None


def _per_edge(piece: NotePiece) -> dict[tuple[str, str], list]:
    """A note's contributions folded to one (best cost, payload, claim count) per undirected edge."""
    mine: dict[tuple[str, str], list] = {}
    for u, v, cost, payload in contributions(piece):
        key = (u, v) if u <= v else (v, u)
        best = mine.get(key)
        if best is None:
            mine[key] = [cost, payload, 1]
        else:
            best[2] += 1
            if (cost, payload) < (best[0], best[1]):
                best[0], best[1] = cost, payload
    return mine


def concept_label(concepts: ConceptIndex, cid: str) -> str:
    if cid not in concepts:
        return cid
    c = concepts.get(cid)
    return c.label_en or c.id


def _weigh(data: dict, entry: list) -> None:
    """An edge's claim weight: its best claim, a little cheaper for each further claim that says it."""
    data["w"] = entry[1][0] * (1 - 0.025 * min(entry[2] - 1, 4))
    data["p"] = entry[1][1]


def step_cost(u: str, v: str, d: dict) -> tuple[float, tuple]:
    """(cost, payload) of walking edge u→v: its best claim, or the scheme link when that is cheaper."""
    scheme = d.get("scheme")
    if scheme is not None:
        cost = scheme[1] if u == scheme[0] else scheme[2]
        if cost < d["w"]:
            return cost, scheme[3]
    return d["w"], d["p"]


def _discard(index: dict, key, value) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(value)
        if not bucket:
            del index[key]


def hub_penalty(G, node: str) -> float:
    """Passing through a station costs more the more it connects (a hub explains little)."""
    degree = len(G._adj[node])  # G.degree(node) builds a view per call: 15% of a why() query
    base, per = {"c": (0.0, 0.06), "n": (0.3, 0.12), "s": (0.2, 0.12)}.get(node[0], (0.0, 0.12))
    return base + per * math.log2(1 + degree / 25)
