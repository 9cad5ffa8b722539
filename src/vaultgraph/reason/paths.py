"""``why(rg, a, b)``: the cheapest chains of cited claims from concept A to concept B.

The search is networkx's ``shortest_simple_paths`` (Yen's algorithm over bidirectional Dijkstra) on
the stations around A and B read from the index (``neighbourhood``). An edge costs what its best claim costs (``claim_cost``: 1, +0.5 written by the
assistant, +0.3 citing no source; a little less for every other claim saying the same; more for a
weak link such as two concepts merely named together), and passing through a station costs more
the more it connects (``hub_penalty``), so paths come out shorter, better sourced and user-written
first. The score is ``1 / (1 + cost)``.
"""

from __future__ import annotations

import itertools
import math

from . import store
from .build import ReasonGraph, hub_penalty, step_cost
from .edges import INVERSE
from .model import Citation, Explanation, Path, Step
from .names import hierarchy_claim, label, resolve, scheme_citation

MAX_STEPS = 6
_CANDIDATES = 8  # paths examined per path returned
SLACK = 1.0  # chains dearer than the best by more than this are not looked for at the edge of the neighbourhood
CHUNKS = (32, 128, 512, 2048)  # edges read per step of a station's cursor: few first, more as it proves useful
LONGEST_STEP = 2.5  # a step that may cost this much can straddle the two searches: they read that much further
EDGE_BUDGET = 25_000  # edges read per search, at most: 0.2-0.4 s on 2 cores (10,000 notes: hubs of 12k edges)


def why(rg: ReasonGraph, a: str, b: str, k: int = 3) -> Explanation:
    """Up to ``k`` explanation paths from ``a`` to ``b`` (names in either language), best first."""
    import networkx as nx

    sa, sb = resolve(rg, a), resolve(rg, b)
    la, lb = label(rg, sa), label(rg, sb)
    src, dst = "c:" + sa, "c:" + sb
    if sa == sb:
        return Explanation(la, lb, sa, sb, (), message=f"{a!r} and {b!r} name the same concept ({la})")
    penalty = {dst: 0.0}

    def weight(u, v, d):
        scheme = d.get("scheme")
        cost = d["w"] if scheme is None else step_cost(u, v, d)[0]
        extra = penalty.get(v)
        if extra is None:
            extra = penalty[v] = hub_penalty(rg, v)
        return cost + extra

    G = neighbourhood(rg, src, dst, weight)
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


def neighbourhood(rg: ReasonGraph, src: str, dst: str, weight):
    """The stations around ``src`` and ``dst`` that the path search can use, as a networkx graph.

    A bidirectional Dijkstra over the index: each side takes the nearest station it has reached and reads that
    station's edges cheapest first, a few at a time (``store.sorted_edges``: an indexed range, with the degree of
    each station reached for its hub penalty; a pending read waits in the heap at the cost of its next edge), and
    looks up the station's direct edge to the far end (a long last step neither side would reach). It stops once
    the sides have met and every chain up to ``SLACK`` dearer than the best (or ``3 * best + 1``, where ``why``
    stops) lies within what both have read, allowing for one step of ``LONGEST_STEP`` between them; or after
    ``EDGE_BUDGET`` edges. A chain inside the graph returned costs what it costs in the whole vault's graph;
    beyond the budget, dearer chains through far hubs are not seen (on the demo vault nothing is cut: the
    answers are those of the whole graph; at 10,000 notes the benchmark pairs give the same answers as well)."""
    import heapq

    import networkx as nx

    G = nx.Graph()
    if not (rg.has(src) and rg.has(dst)):
        return G
    dist = ({src: 0.0}, {dst: 0.0})
    heaps: tuple[list, list] = ([(0.0, 0, src, None)], [(0.0, 0, dst, None)])
    done: tuple[set, set] = (set(), set())
    read: dict[tuple[str, str], float] = {}
    best, total, seq = math.inf, 0, 0
    chunks: dict[tuple[int, str], int] = {}
    while heaps[0] or heaps[1]:
        side = 0 if heaps[0] and (not heaps[1] or heaps[0][0][0] <= heaps[1][0][0]) else 1
        top = heaps[side][0][0] + (heaps[1 - side][0][0] if heaps[1 - side] else 0.0)
        if top > min(3 * best + 1, best + SLACK) + LONGEST_STEP or total > EDGE_BUDGET:
            break
        key, _, node, cursor = heapq.heappop(heaps[side])
        if cursor is None:  # a station reached: its distance is final
            if node in done[side]:
                continue
            done[side].add(node)
            if node in dist[1 - side]:
                best = min(best, key + dist[1 - side][node])
            for other, scheme in rg.scheme.get(node, {}).items():
                data = {"w": math.inf, "scheme": scheme}
                step = weight(node, other, data) if side == 0 else weight(other, node, data)
                if key + step < dist[side].get(other, math.inf):
                    dist[side][other] = key + step
                    best = min(best, key + step + dist[1 - side].get(other, math.inf))
                    seq += 1
                    heapq.heappush(heaps[side], (key + step, seq, other, None))
            far = dst if side == 0 else src  # the edge to the other end: a long step no search side may reach
            w = store.edge_weight(rg.conn, node, far)
            if w is not None:
                read[(node, far) if node <= far else (far, node)] = w
            cursor = (key, None)
        d, after = cursor  # read the next chunk of the station's edges, cheapest first
        rows = store.sorted_edges(rg.conn, node, after, CHUNKS[min(chunks.get((side, node), 0), len(CHUNKS) - 1)])
        chunks[(side, node)] = chunks.get((side, node), 0) + 1
        total += len(rows)
        extra = 0.0 if side == 0 else weight(None, node, {"w": 0.0})  # walked backwards: entering ``node``
        for other, w, degree in rows:
            rg.stored(other, degree)
            read[(node, other) if node <= other else (other, node)] = w
            step = weight(node, other, {"w": w}) if side == 0 else w + extra
            if d + step < dist[side].get(other, math.inf):
                dist[side][other] = d + step
                best = min(best, d + step + dist[1 - side].get(other, math.inf))
                seq += 1
                heapq.heappush(heaps[side], (d + step, seq, other, None))
        if rows and len(rows) == CHUNKS[min(chunks[(side, node)] - 1, len(CHUNKS) - 1)]:
            seq += 1
            heapq.heappush(heaps[side], (d + rows[-1][1] + extra, seq, node, (d, (rows[-1][1], rows[-1][0]))))
    expanded = done[0] | done[1]
    for (u, v), w in read.items():
        if u in expanded and v in expanded:
            G.add_edge(u, v, w=w)
    for u in expanded:
        for v, scheme in rg.scheme.get(u, {}).items():
            if v in expanded:
                G.add_edge(u, v, scheme=scheme)
                G[u][v].setdefault("w", math.inf)
    return G


def nearest(rg: ReasonGraph, node: str, n: int = 5) -> list[str]:
    """The concepts closest to ``node`` through the vault's claims (labels, nearest first)."""
    import heapq

    if not rg.has(node):
        return []
    dist, heap, done, read = {node: 0.0}, [(0.0, node)], set(), 0
    while heap and read <= EDGE_BUDGET:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        edges = rg.edges(u)
        read += len(edges)
        for v, data in edges.items():
            nd = d + step_cost(u, v, data)[0]
            if nd <= 6.0 and nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    ranked = sorted((d, x) for x, d in dist.items() if x != node and x.startswith("c:") and rg.claimed(x[2:]))
    return [label(rg, x[2:]) for _, x in ranked[:n]]


def _step(rg: ReasonGraph, u: str, v: str, d: dict) -> Step:
    payload = step_cost(u, v, d)[1] or rg.payload(u, v)
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
        title, first_section = rg.note(path)
        concept = (v if forward else u)[2:]
        intro = next((c for c in rg.note_claims(path) if concept in c.about and len(c.text.split()) >= 5), None)
        if intro is not None:
            text, cites, author = intro.text, (intro.citation,), intro.author
        else:
            line, end, heading = first_section or (1, 1, title)
            text, cites, author = title, (Citation(path, line, end, heading),), "user"
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
