"""The reasoning graph: stations (concepts, notes, sources) and the claims linking them, read from the index on demand.

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

The claim edges are derived per note when the note is indexed (``store.py``: ``reason_edges``, with each
station's degree); the scheme's edges come from the concept index here. Nothing is built per process: a
station's edges are one indexed range, read when a question reaches it (``edges``). ``step_cost`` reads an
edge in the direction it is walked, which matters only for the hierarchy (up is cheaper than down).
"""

from __future__ import annotations

import json
import math
from functools import cached_property

from ..extract.concepts import ConceptIndex
from ..store.sqlite import select_in
from ..vocabulary import METHOD_TYPES
from . import records, store
from .model import ClaimRec

UP, DOWN, RELATED, STANDS_FOR = 0.4, 1.0, 1.6, 0.05
NOTE_TYPES = ",".join("?" * len(METHOD_TYPES))


class ReasonGraph:
    """The vault's station graph as the index holds it, behind one read snapshot of ``index.sqlite``."""

    def __init__(self, conn, concepts: ConceptIndex):
        self.conn = conn
        self.concepts = concepts
        self._edges: dict[str, dict[str, dict]] = {}
        self._degree: dict[str, int] = {}
        self._stored: dict[str, int] = {}
        self._sources: dict[str, tuple[str, str | None]] = {}
        self.memo: dict = {}  # answers' parts read once per graph (comparison.own_claims)  # station → its claim degree, as read beside the edges reaching it
        self._claims: dict[str, ClaimRec | None] = {}
        self._note_claims: dict[str, tuple[ClaimRec, ...]] = {}
        self.scheme = _scheme_edges(concepts)

    def close(self) -> None:
        """Ends the read snapshot (a graph read once, as a question's, need not wait for the collector)."""
        self.conn.close()

    # --- stations and edges ------------------------------------------------------------------------

    def edges(self, node: str) -> dict[str, dict]:
        """other station → edge data: ``w`` (its claims' weight, inf for a scheme link alone) and ``scheme`` for a
        link of the concept scheme. The claim a step cites is read when it is shown (``payload``)."""
        found = self._edges.get(node)
        if found is None:
            found = {other: {"w": math.inf, "scheme": scheme} for other, scheme in self.scheme.get(node, {}).items()}
            stored = self._stored
            for other, w, degree in store.neighbours(self.conn, node):
                data = found.get(other)
                if data is None:
                    found[other] = {"w": w}
                else:
                    data["w"] = w
                stored[other] = degree
            self._edges[node] = found
        return found

    def stored(self, node: str, degree: int) -> None:
        """Remember a station's claim degree, read beside an edge reaching it."""
        self._stored[node] = degree

    def payload(self, u: str, v: str) -> tuple:
        """The payload of the claim that weighs edge u—v (what a step cites)."""
        return store.payload(self.conn.execute("SELECT payload FROM reason_edges WHERE u = ? AND v = ?",
                                               (u, v)).fetchone()[0])

    def degree(self, node: str) -> int:
        """How many stations ``node`` touches: through claims (stored with the edges), and through scheme links
        that no claim also makes."""
        found = self._degree.get(node)
        if found is None:
            stored = self._stored.get(node)
            if stored is None:
                stored = self._stored[node] = store.degrees(self.conn, [node]).get(node, 0)
            more = 0
            for other in self.scheme.get(node, ()):
                known = self._edges.get(node)
                if known is not None:
                    more += known[other]["w"] == math.inf
                else:
                    more += self.conn.execute("SELECT 1 FROM reason_edges WHERE u = ? AND v = ?",
                                              (node, other)).fetchone() is None
            found = self._degree[node] = stored + more
        return found

    def has(self, node: str) -> bool:
        return node[2:] in self.concepts if node.startswith("c:") else bool(self.degree(node))

    # --- claims and notes ---------------------------------------------------------------------------------

    @cached_property
    def saved(self) -> frozenset[str]:
        return records.saved_paths(self.conn)

    def claim(self, claim_id: str) -> ClaimRec | None:
        if claim_id not in self._claims:
            self._claims.update(dict.fromkeys([claim_id]))
            self._claims.update(records.claims(self.conn, [claim_id], self.saved))
        return self._claims[claim_id]

    def note_claims(self, path: str) -> tuple[ClaimRec, ...]:
        if path not in self._note_claims:
            self._note_claims[path] = tuple(records.note_claims(self.conn, path, self.saved))
        return self._note_claims[path]

    def claimed(self, concept: str) -> bool:
        """Whether any claim (of a note that is no saved answer) names the concept."""
        saved = sorted(self.saved)
        q = ("SELECT 1 FROM passage_concepts pc JOIN passages p ON p.row = pc.row WHERE pc.concept = ? "
             "AND pc.field = 'claim' AND pc.rel IN ('about', 'affects', 'involves') "
             f"AND p.path NOT IN ({','.join('?' * len(saved))}) LIMIT 1")
        return self.conn.execute(q, (concept, *saved)).fetchone() is not None or bool(
            records.claims_naming(self.conn, concept, ("involves",), self.saved))

    def note(self, path: str) -> tuple[str, tuple[int, int, str] | None]:
        """(title, first section as (line, end_line, heading path)) of a note."""
        row = self.conn.execute("SELECT json_extract(record, '$.frontmatter.title'), json_extract(record, '$.sections')"
                                " FROM notes WHERE path = ?", (path,)).fetchone()
        stem = path.rsplit("/", 1)[-1].removesuffix(".md")
        if row is None:
            return stem, None
        sections = [(s["line"], s["end_line"], " › ".join(s["path"])) for s in json.loads(row[1] or "[]")]
        return str(row[0] or stem), min(sections) if sections else None

    @cached_property
    def defines(self) -> dict[str, str]:
        """note path → the concept it defines (a ``type: method`` note, by its title or an alias)."""
        out = {}
        for path, aliases in self.conn.execute(
                f"SELECT path, aliases FROM notes WHERE record IS NOT NULL AND lower(ntype) IN ({NOTE_TYPES})",
                METHOD_TYPES):
            title = path.rsplit("/", 1)[-1].removesuffix(".md")
            hit = next((c for label in (title, *json.loads(aliases)) if (c := self.concepts.lookup(label))), None)
            if hit:
                out[path] = hit
        return out

    @cached_property
    def defined_in(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for path, concept in self.defines.items():
            out.setdefault(concept, set()).add(path)
        return out

    def source(self, key: str) -> tuple[str, str | None]:
        """(label, url) of a cited source, as the first note (by path) that cites it writes it."""
        if key not in self._sources:
            self.sources([key])
        return self._sources[key]

    def sources(self, keys) -> None:
        """Read the label and url of these sources (``source`` answers from what was read)."""
        keys = [k for k in dict.fromkeys(keys) if k not in self._sources]
        found: dict[str, dict[str, str]] = {}
        for src, rel, dst in select_in(self.conn, "SELECT src, rel, dst FROM relations WHERE src IN ({}) "
                                                  "AND rel IN ('label', 'url') ORDER BY path DESC", keys):
            found.setdefault(src, {})[rel] = dst
        for key in keys:
            rows = found.get(key, {})
            self._sources[key] = (rows.get("label", key.removeprefix("note:?")), rows.get("url"))

    def label(self, node: str) -> str:
        kind, _, key = node.partition(":")
        if kind == "c":
            return concept_label(self.concepts, key)
        if kind == "n":
            return key.removesuffix(".md")  # the note's path: never mistaken for the concept it defines
        if kind == "s":
            return self.source(key)[0]
        return node


def _scheme_edges(concepts: ConceptIndex) -> dict[str, dict[str, tuple]]:
    """skos:broader and skos:related as ``scheme = (u, cost from u, cost from v, payload)`` per station pair."""
    edges: dict[tuple[str, str], tuple[float, float, tuple]] = {}
    for concept in concepts:
        me = "c:" + concept.id
        links = [("c:" + parent, UP, DOWN, "is a kind of") for parent in concept.broader]
        for other in concept.related:
            if other in concepts:
                stands = concept.scheme in ("method", "vault") and concepts.get(other).scheme == "capability"
                links.append(("c:" + other, *((STANDS_FOR, STANDS_FOR, "stands for") if stands
                                              else (RELATED, RELATED, "is related to"))))
        for other, forward, backward, rel in links:
            key, costs = ((me, other), (forward, backward)) if me <= other else ((other, me), (backward, forward))
            if key not in edges or min(costs) < min(edges[key][:2]):
                edges[key] = (*costs, ("scheme", rel, me))
    out: dict[str, dict[str, tuple]] = {}
    for (u, v), scheme in sorted(edges.items()):
        out.setdefault(u, {})[v] = out.setdefault(v, {})[u] = (u, *scheme)
    return out


def concept_label(concepts: ConceptIndex, cid: str) -> str:
    if cid not in concepts:
        return cid
    c = concepts.get(cid)
    return c.label_en or c.id


def step_cost(u: str, v: str, d: dict) -> tuple[float, tuple | None]:
    """(cost, payload) of walking edge u→v: the scheme link's when that is cheaper, else its best claim's
    (payload None: ``ReasonGraph.payload`` reads it)."""
    scheme = d.get("scheme")
    if scheme is not None:
        cost = scheme[1] if u == scheme[0] else scheme[2]
        if cost < d["w"]:
            return cost, scheme[3]
    return d["w"], None


def hub_penalty(rg: ReasonGraph, node: str) -> float:
    """Passing through a station costs more the more it connects (a hub explains little)."""
    degree = rg.degree(node)
    base, per = {"c": (0.0, 0.06), "n": (0.3, 0.12), "s": (0.2, 0.12)}.get(node[0], (0.0, 0.12))
    return base + per * math.log2(1 + degree / 25)
