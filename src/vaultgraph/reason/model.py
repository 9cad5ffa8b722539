"""The records of linked-method reasoning: what was read from each note's graph, and the answers.

Everything here is a frozen dataclass with a ``to_dict()`` that is exactly the JSON ``kg why`` and
``kg compare`` print. Every text a user sees carries the span of the claim it came from
(``path:line-end_line`` and the heading path), taken from the claim's ``vg:span`` in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Citation


# --- what the graph holds ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ClaimRec:
    """One ``vg:Claim`` of a note's named graph, with its span."""

    id: str  # the claim's IRI
    kinds: tuple[str, ...]  # claim, risk, problem, consequence, solution, limitation, result
    text: str
    path: str
    line: int
    end_line: int
    heading: str | None
    author: str  # "user" | "assistant"
    role: str | None
    about: tuple[str, ...] = ()  # concept ids
    affects: tuple[str, ...] = ()
    involves: tuple[str, ...] = ()
    direction: str | None = None  # "improves" | "degrades"
    cost: str | None = None
    cites: tuple[str, ...] = ()  # source keys (arxiv:…, cite:…, url:…, note:?missing)
    evidence: tuple[str, ...] = ()  # vault paths of notes cited as evidence

    @property
    def citation(self) -> Citation:
        return Citation(self.path, self.line, self.end_line, self.heading)

    @property
    def sourced(self) -> bool:
        return bool(self.cites or self.evidence)

    def concepts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.about, *self.affects, *self.involves)))


@dataclass(frozen=True, slots=True)
class NotePiece:
    """What one note's named graph says, in plain Python: the unit of the reasoning cache."""

    path: str
    title: str
    aliases: tuple[str, ...]
    defines: tuple[str, ...]  # concept ids this note defines (rdfs:isDefinedBy)
    first_section: tuple[int, int, str] | None  # (line, end_line, heading path) of the first heading
    links: tuple[str, ...]  # vault paths this note links to or embeds
    claims: tuple[ClaimRec, ...]
    mitigates: tuple[tuple[str, str], ...]  # (solution id, risk or problem id); vg:mitigates and vg:addresses
    causes: tuple[tuple[str, str], ...]  # (problem id, consequence id)
    sources: tuple[tuple[str, str, str | None], ...]  # (key, label, url)
    messages: tuple[tuple[int, int, str], ...] = ()  # chat messages: (line, end_line, "user" | "assistant")


# --- answers -------------------------------------------------------------------------------------

def _cites(citations) -> list[dict]:
    return [c.to_dict() for c in citations]


@dataclass(frozen=True)
class Step:
    """One link of an explanation: ``from`` —relation→ ``to``, said by the cited text."""

    source: str  # label of the node the step leaves
    relation: str
    target: str
    text: str
    citations: tuple[Citation, ...]
    kind: str = "claim"  # claim | pair (two claims linked by mitigates/causes) | scheme (skos hierarchy)
    author: str = "user"

    def to_dict(self) -> dict:
        return {"from": self.source, "relation": self.relation, "to": self.target, "text": self.text,
                "citations": _cites(self.citations), "kind": self.kind, "author": self.author}


@dataclass(frozen=True)
class Path:
    score: float
    steps: tuple[Step, ...]
    cost: float = 0.0
    nodes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"score": self.score, "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class Explanation:
    source: str  # label of concept A
    target: str
    source_id: str
    target_id: str
    paths: tuple[Path, ...]
    # when no path exists: concepts close to each end that do connect to the other side's component
    nearest_from: tuple[str, ...] = ()
    nearest_to: tuple[str, ...] = ()
    message: str | None = None
    notices: tuple[str, ...] = ()  # what the reader should know of the index it came from (notes not indexed yet)

    def to_dict(self) -> dict:
        out = {"from": self.source, "to": self.target, "paths": [p.to_dict() for p in self.paths],
               "from_id": self.source_id, "to_id": self.target_id}
        if not self.paths:
            out["message"] = self.message
            out["nearest"] = {"from": list(self.nearest_from), "to": list(self.nearest_to)}
        if self.notices:
            out["notices"] = list(self.notices)
        return out


@dataclass(frozen=True)
class CellItem:
    text: str
    citations: tuple[Citation, ...]
    direction: str | None = None  # for effects: improves | degrades
    inherited_from: str | None = None  # for inherited risks: the broader concept they are about

    def to_dict(self) -> dict:
        out = {"text": self.text, "citations": _cites(self.citations)}
        if self.direction:
            out["direction"] = self.direction
        if self.inherited_from:
            out["inherited_from"] = self.inherited_from
        return out


@dataclass(frozen=True)
class Row:
    aspect: str
    cells: dict[str, tuple[CellItem, ...]]  # method label → items (empty when the vault says nothing)
    totals: dict[str, int] = field(default_factory=dict)  # method label → statements the vault holds for the cell

    def total(self, method: str) -> int:
        """How many statements the vault holds for a cell (its items may be the first of them)."""
        return max(self.totals.get(method, 0), len(self.cells[method]))

    def to_dict(self) -> dict:
        return {"aspect": self.aspect, "cells": {m: [i.to_dict() for i in items] for m, items in self.cells.items()},
                "totals": {m: self.total(m) for m in self.cells}}


@dataclass(frozen=True)
class Comparison:
    methods: tuple[str, ...]  # labels, in the order asked
    method_ids: tuple[str, ...]
    rows: tuple[Row, ...]
    notices: tuple[str, ...] = ()  # as ``Explanation.notices``

    def to_dict(self) -> dict:
        out = {"methods": list(self.methods), "rows": [r.to_dict() for r in self.rows],
               "method_ids": list(self.method_ids)}
        if self.notices:
            out["notices"] = list(self.notices)
        return out


@dataclass(frozen=True)
class ConceptClaim:
    """A claim of a concept, or of one of its broader concepts (then ``inherited_from`` names it)."""

    claim: ClaimRec
    concept: str  # the concept the claim is about
    inherited_from: str | None
    depth: int = 0  # 0 for the concept's own claims, 1 for its parent's, …

    @property
    def text(self) -> str:
        return self.claim.text

    @property
    def citation(self) -> Citation:
        return self.claim.citation

    def to_dict(self) -> dict:
        c = self.claim
        return {"text": c.text, "kinds": list(c.kinds), "concept": self.concept, "inherited_from": self.inherited_from,
                "depth": self.depth, "author": c.author, "sources": list(c.cites), "citations": [c.citation.to_dict()]}
