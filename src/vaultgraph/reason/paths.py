"""``why(rg, a, b)``: the cheapest chains of cited claims from concept A to concept B.

The search is networkx's ``shortest_simple_paths`` (Yen's algorithm over bidirectional Dijkstra) on
the station graph. An edge costs what its best claim costs (``claim_cost``: 1, +0.5 written by the
assistant, +0.3 citing no source; a little less for every other claim saying the same; more for a
weak link such as two concepts merely named together), and passing through a station costs more
the more it connects (``hub_penalty``), so paths come out shorter, better sourced and user-written
first. The score is ``1 / (1 + cost)``.
"""

from __future__ import annotations

import itertools

from .build import ReasonGraph, hub_penalty, step_cost
from .edges import INVERSE
from .model import Citation, Explanation, Path, Step
from .names import hierarchy_claim, label, resolve, scheme_citation

MAX_STEPS = 6
_CANDIDATES = 8  # paths examined per path returned


def why(rg: ReasonGraph, a: str, b: str, k: int = 3) -> Explanation:
    """Up to ``k`` explanation paths from ``a`` to ``b`` (names in either language), best first."""
    import networkx as nx

    sa, sb = resolve(rg, a), resolve(rg, b)
    la, lb = label(rg, sa), label(rg, sb)
    src, dst = "c:" + sa, "c:" + sb
    if sa == sb:
        return Explanation(la, lb, sa, sb, (), message=f"{a!r} and {b!r} name the same concept ({la})")
    G = rg.G
    penalty = {dst: 0.0}

    def weight(u, v, d):
        scheme = d.get("scheme")
        cost = d["w"] if scheme is None else step_cost(u, v, d)[0]
        extra = penalty.get(v)
        if extra is None:
            extra = penalty[v] = hub_penalty(G, v)
        return cost + extra

    found: list[Path] = []
    seen: set[tuple] = set()
    used_claims: list[frozenset] = []
    if src in G and dst in G:
        try:
            for nodes in itertools.islice(nx.shortest_simple_paths(G, src, dst, weight=weight), k * _CANDIDATES):
                if len(nodes) - 1 > MAX_STEPS + 1:
                    break
                cost = sum(weight(u, v, G[u][v]) for u, v in zip(nodes, nodes[1:]))
                if found and cost > 3 * found[0].cost + 1:
                    break
                steps = _merge_ends(rg, [_step(rg, u, v, G[u][v]) for u, v in zip(nodes, nodes[1:])], src, dst)
                if len(steps) > MAX_STEPS or not _informative(steps):
                    continue
                signature = tuple((s.source, s.relation, s.target) for s in steps)
                claims = frozenset(c.short() for s in steps for c in s.citations)
                if signature in seen or any(used <= claims for used in used_claims):
                    continue  # the same chain again, or an earlier path's claims with a detour
                seen.add(signature)
                used_claims.append(claims)
                found.append(Path(round(1 / (1 + cost), 3), tuple(steps), round(cost, 3), tuple(nodes)))
                if len(found) >= k:
                    break
        except nx.NetworkXNoPath:
            pass
    found.sort(key=lambda p: (p.cost, len(p.steps)))
    if found:
        return Explanation(la, lb, sa, sb, tuple(found))
    near_a, near_b = nearest(rg, src), nearest(rg, dst)
    parts = [f"no chain of claims in this vault connects {la} to {lb}"]
    parts.append(f"{la} connects to {', '.join(near_a)}" if near_a else f"the vault says nothing linking {la}")
    parts.append(f"{lb} connects to {', '.join(near_b)}" if near_b else f"the vault says nothing linking {lb}")
    return Explanation(la, lb, sa, sb, (), tuple(near_a), tuple(near_b), "; ".join(parts))


def nearest(rg: ReasonGraph, node: str, n: int = 5) -> list[str]:
    """The concepts closest to ``node`` through the vault's claims (labels, nearest first)."""
    import networkx as nx

    G = rg.G
    if node not in G:
        return []
    lengths = nx.single_source_dijkstra_path_length(G, node, cutoff=6.0, weight=lambda u, v, d: step_cost(u, v, d)[0])
    ranked = sorted((d, x) for x, d in lengths.items() if x != node and x.startswith("c:") and _claimed(rg, x))
    return [label(rg, x[2:]) for _, x in ranked[:n]]


def _claimed(rg: ReasonGraph, node: str) -> bool:
    return rg.concept_claims.get(node[2:], 0) > 0


def _step(rg: ReasonGraph, u: str, v: str, d: dict) -> Step:
    payload = step_cost(u, v, d)[1]
    kind = payload[0]
    forward = payload[-1] == u
    if kind == "claim":
        _, cid, rel, _ = payload
        c = rg.claim(cid)
        return Step(rg.label(u), _rel(rel, forward), rg.label(v), c.text, (c.citation,), "claim", c.author)
    if kind == "pair":
        _, (x, y), rel, _ = payload
        cx, cy = rg.claim(x), rg.claim(y)
        author = "user" if "user" in (cx.author, cy.author) else "assistant"
        return Step(rg.label(u), _rel(rel, forward), rg.label(v), f"{cx.text} → {cy.text}",
                    (cx.citation, cy.citation), "pair", author)
    if kind == "defines":
        path = payload[1]
        piece = rg.notes[path]
        concept = (v if forward else u)[2:]
        intro = next((c for c in rg.note_claims(path) if concept in c.about and len(c.text.split()) >= 5), None)
        if intro is not None:
            text, cites, author = intro.text, (intro.citation,), intro.author
        else:
            line, end, heading = piece.first_section or (1, 1, piece.title)
            text, cites, author = piece.title, (Citation(path, line, end, heading),), "user"
        return Step(rg.label(u), _rel("defines", forward), rg.label(v), text, cites, "defines", author)
    # the concept scheme: payload[2] is the narrower concept (or the method that stands for a capability)
    _, rel, me = payload
    other = v if forward else u
    claim = hierarchy_claim(rg, me[2:], other[2:]) if rel == "is a kind of" else None
    if claim is not None:
        return Step(rg.label(u), _rel(rel, forward), rg.label(v), claim.text, (claim.citation,), "scheme", claim.author)
    cite = scheme_citation(me[2:])
    text = f"{rg.label(me)} {rel} {rg.label(other)} (concept scheme)"
    return Step(rg.label(u), _rel(rel, forward), rg.label(v), text, (cite,) if cite else (), "scheme", "user")


def _informative(steps: list[Step]) -> bool:
    """A path says something when the vault's claims carry it, or when it only climbs the hierarchy
    (QLoRA is a kind of LoRA is a kind of PEFT); a walk down and across the scheme says nothing."""
    if any(s.kind != "scheme" for s in steps):
        return sum(s.relation == "includes" for s in steps) <= 1
    return all(s.relation == "is a kind of" for s in steps)


def _rel(rel: str, forward: bool) -> str:
    return rel if forward else INVERSE.get(rel, rel)


def _merge_ends(rg: ReasonGraph, steps: list[Step], src: str, dst: str) -> list[Step]:
    """A method that stands for a capability (CoT → reasoning) is what a claim about the capability
    is about: "LoRA —degrades→ reasoning —represented by→ CoT" reads "LoRA —degrades→ CoT (reasoning)"."""
    from dataclasses import replace

    stands = ("stands for", INVERSE["stands for"])
    if len(steps) > 1 and steps[-1].kind == "scheme" and steps[-1].relation in stands:
        steps = steps[:-1]
        steps[-1] = replace(steps[-1], target=f"{rg.label(dst)} ({steps[-1].target})")
    if len(steps) > 1 and steps[0].kind == "scheme" and steps[0].relation in stands:
        steps = steps[1:]
        steps[0] = replace(steps[0], source=f"{rg.label(src)} ({steps[0].source})")
    return steps
