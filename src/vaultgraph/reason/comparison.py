"""Inheritance through ``skos:broader`` and the side-by-side comparison of methods.

``claims_of`` gives a concept's own claims and then, marked ``inherited_from``, those of each broader
concept (QLoRA's, then LoRA's, PEFT's, fine-tuning's). ``compare`` fills a table only from claims
the graph holds about each method: a cell the vault says nothing for stays empty.

Rows: one "effect on <capability>" per capability any method's claims affect (with the direction
of each claim; a risk that hurts a capability is listed there), "other effects" (results and claims
with a direction that name no capability), then "cost" (the cost column or
``cost::`` field), "risks" (the other risks: phenomena and risks naming no capability), "inherited
risks" (risks of broader concepts), "limitations", "mitigations" (solutions about the method or
mitigating one of its risks) and "sources" (what its claims cite, with the lines citing it).
A cell holds its best ``limit`` statements (6 by default) and the count of all of them: ``cells.py`` reads both
by SQL, one statement per method, so a hub method's tens of thousands of claims never reach Python.
"""

from __future__ import annotations

from collections import deque

from ..errors import VaultgraphError
from . import cells, records
from .build import ReasonGraph
from .edges import is_navigation
from .model import CellItem, ClaimRec, Comparison, ConceptClaim, Row
from .names import label, resolve

CELL_LIMIT = 6  # statements a cell by default (`kg compare`; `kg ask` shows 4 of them): a terminal's worth
CITATIONS = 3  # citations kept a statement when cells are bounded (the most placed statement is cited ~thousands)
FIXED_ROWS = ("other effects", "cost", "risks", "inherited risks", "limitations", "mitigations", "sources")


def lineage(rg: ReasonGraph, concept_id: str) -> list[tuple[str, int]]:
    """The broader ancestors of a concept with their depth, breadth-first: [("LoRA", 1), ("PEFT", 2), …]."""
    cid = concept_id if concept_id in rg.concepts else resolve(rg, concept_id)
    out: list[tuple[str, int]] = []
    seen, queue = {cid}, deque([(cid, 0)])
    while queue:
        current, depth = queue.popleft()
        for parent in rg.concepts.get(current).broader if current in rg.concepts else ():
            if parent not in seen and parent in rg.concepts:
                seen.add(parent)
                out.append((parent, depth + 1))
                queue.append((parent, depth + 1))
    return out


def own_claims(rg: ReasonGraph, cid: str, kind: str | None = None) -> list[ClaimRec]:
    """Claims about a concept: ``vg:about`` it, or for a capability (phenomenon) affecting (involving) it (of
    this kind only, when one is given)."""
    if ("own", cid, kind) in rg.memo:  # an answer reads a concept's claims, then its risks and its ancestors' again
        return rg.memo[("own", cid, kind)]
    every = rg.memo.get(("own", cid, None))
    if every is not None:
        return [c for c in every if kind in c.kinds]
    scheme = _scheme(rg, cid)
    found = {c.id: c for c in records.claims_naming(rg.conn, cid, cells.rels_of(scheme), rg.saved, kind)}
    found = sorted((c for c in found.values() if cid in c.about or (scheme == "capability" and cid in c.affects) or
                   (scheme == "phenomenon" and cid in c.involves)), key=_order)
    rg.memo[("own", cid, kind)] = found
    return found


def _scheme(rg: ReasonGraph, cid: str) -> str:
    return rg.concepts.get(cid).scheme if cid in rg.concepts else "vault"


def _order(c: ClaimRec):
    return (is_navigation(c), c.author != "user", not c.sourced, c.direction is None, c.path, c.line, c.id)


def claims_of(rg: ReasonGraph, concept_id: str, kinds: tuple[str, ...] | None = ("risk",),
              inherited: bool = True) -> list[ConceptClaim]:
    """A concept's claims of these kinds (None: every claim), then its ancestors' marked ``inherited_from``."""
    cid = concept_id if concept_id in rg.concepts else resolve(rg, concept_id)
    wanted = (lambda c: True) if kinds is None else (lambda c: any(k in c.kinds for k in kinds))
    seen: set[str] = set()
    out: list[ConceptClaim] = []
    for concept, depth in [(cid, 0), *(lineage(rg, cid) if inherited else ())]:
        for c in own_claims(rg, concept, kinds[0] if kinds and len(kinds) == 1 else None):
            if c.id not in seen and wanted(c):
                seen.add(c.id)
                out.append(ConceptClaim(c, concept, concept if depth else None, depth))
    return out


def compare(rg: ReasonGraph, methods: list[str], limit: int | None = CELL_LIMIT) -> Comparison:
    """What the vault says about each method, side by side: the first ``limit`` statements of each cell (None:
    all of them) in the order of ``cells.py``, each citing its claims' lines, and how many each cell holds."""
    if limit is not None and limit < 1:
        raise VaultgraphError("the limit of statements a cell must be at least 1")
    ids: list[str] = []
    for name in methods:
        cid = resolve(rg, name)
        if cid not in ids:
            ids.append(cid)
    if not ids:
        raise VaultgraphError("compare needs at least one method")
    labels = [label(rg, i) for i in ids]
    cites = None if limit is None else CITATIONS
    lines = [[(a, _scheme(rg, a)) for a, _ in lineage(rg, cid)] for cid in ids]
    found = cells.read_methods(rg.conn, [((cid, _scheme(rg, cid)), ancestors) for cid, ancestors in zip(ids, lines)],
                               rg.saved, limit, cites)
    read = {name: {"cells": got, "ancestors": [label(rg, a) for a, _ in ancestors], "sources": sources}
            for name, ancestors, (got, sources) in zip(labels, lines, found)}
    where = cells.citations(rg.conn, [r for got in read.values() for cell in got["cells"].values()
                                      for st in cell.statements for r in st.rows] +
                            [r for got in read.values() for _, rows in got["sources"][0] for r in rows])
    claims: dict[str, int] = {}
    aspect_of: dict[str, str] = {}
    for got in read.values():
        for (cell, sub), c in got["cells"].items():
            if cell == "effect":
                aspect_of[sub] = f"effect on {label(rg, sub)}"
                claims[aspect_of[sub]] = claims.get(aspect_of[sub], 0) + c.claims
    order = sorted(claims, key=lambda a: (-claims[a], a)) + list(FIXED_ROWS)
    table: dict[str, dict[str, tuple[tuple[CellItem, ...], int]]] = {a: {} for a in order}
    for name, got in read.items():
        for (cell, sub), c in sorted(got["cells"].items(), key=lambda kv: (kv[0][0], int(kv[0][1] or 0)
                                                                           if kv[0][0] == "inherited risks" else 0)):
            inherited = got["ancestors"][int(sub)] if cell == "inherited risks" else None
            items = tuple(CellItem(st.text, tuple(dict.fromkeys(where[r] for r in st.rows)), st.direction, inherited)
                          for st in c.statements)
            aspect = aspect_of[sub] if cell == "effect" else cell
            old_items, old_total = table[aspect].get(name, ((), 0))
            table[aspect][name] = (old_items + items, old_total + c.total)
        shown, total = got["sources"]
        items = [CellItem(text, tuple(dict.fromkeys(where[r] for r in rows))) for text, rows in shown]
        table["sources"][name] = (tuple(items), total)
    rows = []
    for aspect in order:
        got = {name: table[aspect].get(name, ((), 0)) for name in labels}
        items = {name: _cut(got[name][0], limit) for name in labels}
        rows.append(Row(aspect, items, {name: got[name][1] for name in labels}))
    return Comparison(tuple(labels), tuple(ids), tuple(rows))


def _cut(items: tuple[CellItem, ...], limit: int | None) -> tuple[CellItem, ...]:
    """The first ``limit`` items of a cell (the inherited risks of several ancestors are read ``limit`` each)."""
    return items if limit is None else items[:limit]
