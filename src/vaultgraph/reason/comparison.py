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
"""

from __future__ import annotations

from collections import deque

from ..errors import VaultgraphError
from ..index.store import related
from . import records
from .build import ReasonGraph
from .edges import is_navigation
from .model import CellItem, ClaimRec, Comparison, ConceptClaim, Row
from .names import label, resolve

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
    if ("own", cid, kind) in rg.memo:  # compare reads a method's claims, then its risks and its ancestors' again
        return rg.memo[("own", cid, kind)]
    every = rg.memo.get(("own", cid, None))
    if every is not None:
        return [c for c in every if kind in c.kinds]
    scheme = rg.concepts.get(cid).scheme if cid in rg.concepts else "vault"
    rels = ("about", *(("affects",) if scheme == "capability" else ()), *(("involves",) if scheme == "phenomenon" else ()))
    found = {c.id: c for c in records.claims_naming(rg.conn, cid, rels, rg.saved, kind)}
    found = sorted((c for c in found.values() if cid in c.about or (scheme == "capability" and cid in c.affects) or
                   (scheme == "phenomenon" and cid in c.involves)), key=_order)
    rg.memo[("own", cid, kind)] = found
    return found


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


def compare(rg: ReasonGraph, methods: list[str]) -> Comparison:
    """What the vault says about each method, side by side; every item cites its claim's lines."""
    ids: list[str] = []
    for name in methods:
        cid = resolve(rg, name)
        if cid not in ids:
            ids.append(cid)
    if not ids:
        raise VaultgraphError("compare needs at least one method")
    labels = [label(rg, i) for i in ids]
    cells: dict[str, dict[str, list[CellItem]]] = {}  # aspect → method label → items

    def put(aspect: str, method: str, item: CellItem) -> None:
        cells.setdefault(aspect, {}).setdefault(method, []).append(item)

    effect_aspects: dict[str, int] = {}
    for cid, name in zip(ids, labels):
        claims = own_claims(rg, cid)
        in_effects: set[str] = set()
        stated = [c for c in claims if not is_navigation(c)]  # "Related: [[LoRA]], [[PEFT]]" says nothing
        for c in stated:
            if "solution" in c.kinds:
                continue
            for cap in c.affects:
                aspect = f"effect on {label(rg, cap)}"
                put(aspect, name, CellItem(c.text, (c.citation,), c.direction))
                effect_aspects[aspect] = effect_aspects.get(aspect, 0) + 1
                in_effects.add(c.id)
        for c in claims:
            if c.cost:
                put("cost", name, CellItem(c.cost, (c.citation,)))
        for c in stated:
            if not c.affects and "risk" not in c.kinds and "solution" not in c.kinds and \
                    (c.direction or "result" in c.kinds):
                put("other effects", name, CellItem(c.text, (c.citation,), c.direction))
            if "risk" in c.kinds and c.id not in in_effects:
                put("risks", name, CellItem(c.text, (c.citation,), c.direction))
            if "limitation" in c.kinds and "risk" not in c.kinds:
                put("limitations", name, CellItem(c.text, (c.citation,)))
        for hit in claims_of(rg, cid, ("risk",), inherited=True):
            if hit.inherited_from and not is_navigation(hit.claim):
                put("inherited risks", name, CellItem(hit.text, (hit.citation,), hit.claim.direction,
                                                      label(rg, hit.inherited_from)))
        for c in _mitigations(rg, stated):
            put("mitigations", name, CellItem(c.text, (c.citation,)))
        cited = _sources(rg, claims)
        rg.sources(key for key, _ in cited)
        for key, citing in cited:
            text, url = rg.source(key)
            text = key.removeprefix("note:?") if key.startswith("note:?") else text
            put("sources", name, CellItem(text + (f" <{url}>" if url and url not in text else ""),
                                          tuple(c.citation for c in citing[:3])))
    order = sorted(effect_aspects, key=lambda a: (-effect_aspects[a], a)) + list(FIXED_ROWS)
    rows = tuple(Row(aspect, {name: _merged(cells.get(aspect, {}).get(name, ())) for name in labels})
                 for aspect in order)
    return Comparison(tuple(labels), tuple(ids), rows)


def _merged(items: list[CellItem]) -> tuple[CellItem, ...]:
    """One item per distinct statement: the same text in two notes is one item citing both."""
    out: dict[tuple, CellItem] = {}
    for item in items:
        key = (" ".join(item.text.split()).casefold(), item.direction, item.inherited_from)
        if key in out:
            old = out[key]
            more = tuple(c for c in item.citations if c not in old.citations)
            out[key] = CellItem(old.text, old.citations + more, old.direction, old.inherited_from)
        else:
            out[key] = item
    return tuple(out.values())


def _mitigations(rg: ReasonGraph, claims: list[ClaimRec]) -> list[ClaimRec]:
    out: dict[str, ClaimRec] = {}
    linked = mitigations_of(rg, [c.id for c in claims])
    for c in claims:
        if "solution" in c.kinds:
            out.setdefault(c.id, c)
        for s in linked.get(c.id, ()):
            out.setdefault(s.id, s)
    return sorted(out.values(), key=_order)


def mitigations_of(rg: ReasonGraph, claim_ids: list[str]) -> dict[str, list[ClaimRec]]:
    """risk or problem id → the solutions linked to it (``vg:mitigates`` / ``vg:addresses``), by id."""
    pairs = [(risk, sol) for sol, risk in related(rg.conn, claim_ids, "mitigates", reverse=True)]
    found = records.claims(rg.conn, [p[1] for p in pairs], rg.saved)
    out: dict[str, list[ClaimRec]] = {}
    for target, sol in sorted(pairs):
        if sol in found:
            out.setdefault(target, []).append(found[sol])
    return out


def _sources(rg: ReasonGraph, claims: list[ClaimRec]) -> list[tuple[str, list[ClaimRec]]]:
    by_key: dict[str, list[ClaimRec]] = {}
    for c in claims:
        for key in c.cites:
            by_key.setdefault(key, []).append(c)
    return sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0]))
