"""The station graph's edges in the index, written per note in the indexer's transaction.

Three tables of ``index.sqlite`` (``store/sqlite.py``) hold what ``edges.contributions`` derives from each
note's claims, so no process builds the vault's graph to answer a question:

* ``reason_contrib``: one row per note and undirected edge ``u < v``: the note's best (cost, payload) for it
  and how many of its claims say it;
* ``reason_edges``: one row per edge and direction: its weight (the best claim of all notes, a little cheaper for
  each further claim saying it) and that claim's payload: a station's neighbours are one indexed range;
* ``reason_degree``: how many stations each station touches through claims (the hub penalty's degree).

A changed note has its contributions replaced and only the edges it touched summed again (``replace_note``);
a full index writes every note's contributions and sums all edges once (``clear``, ``add_note``, ``rebuild``).
The concept scheme's edges are not stored: readers add them from the concept index (``build.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache

from ..store.sqlite import select_in
from .edges import contributions
from .model import NotePiece


def _key(cost: float, payload) -> tuple:
    """The order of (cost, payload) among the claims saying one edge: cheapest first, then by the claims' IRIs
    (as the graph names them), so that ties fall the same way whatever the order notes are indexed in."""
    payload = _tuple(json.loads(payload)) if isinstance(payload, str) else payload
    if payload[0] == "claim":
        payload = (payload[0], _iri(payload[1]), *payload[2:])
    elif payload[0] == "pair":
        payload = (payload[0], tuple(map(_iri, payload[1])), *payload[2:])
    return cost, payload


@lru_cache(maxsize=1 << 16)
def _iri(claim_id: str) -> str:
    from ..graph.build import claim_iri

    return claim_iri(claim_id).value


def _tuple(value):
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def per_edge(piece: NotePiece) -> dict[tuple[str, str], list]:
    """A note's contributions folded to one [best cost, payload, claim count] per undirected edge."""
    mine: dict[tuple[str, str], list] = {}
    for u, v, cost, payload in contributions(piece):
        key = (u, v) if u <= v else (v, u)
        best = mine.get(key)
        if best is None:
            mine[key] = [cost, payload, 1]
        else:
            best[2] += 1
            if _key(cost, payload) < _key(best[0], best[1]):
                best[0], best[1] = cost, payload
    return mine


def clear(conn) -> None:
    for table in ("reason_contrib", "reason_edges", "reason_degree"):
        conn.execute(f"DELETE FROM {table}")


def contrib_rows(piece: NotePiece) -> list[tuple]:
    """One note's ``reason_contrib`` rows (a pure function of the note: worker processes compute it)."""
    return [(piece.path, u, v, cost, json.dumps(payload, ensure_ascii=False), n)
            for (u, v), (cost, payload, n) in per_edge(piece).items()]


def add_note(conn, rows: list[tuple]) -> set[tuple[str, str]]:
    """Write one note's ``contrib_rows`` (its old ones must be gone); the edges they touch."""
    conn.executemany("INSERT INTO reason_contrib VALUES (?,?,?,?,?,?)", rows)
    return {(r[1], r[2]) for r in rows}


def drop_note(conn, path: str) -> set[tuple[str, str]]:
    touched = {(r[0], r[1]) for r in conn.execute("SELECT u, v FROM reason_contrib WHERE path = ?", (path,))}
    conn.execute("DELETE FROM reason_contrib WHERE path = ?", (path,))
    return touched


def replace_note(conn, path: str, rows: list[tuple] | None) -> None:
    """A changed (or, with None, removed) note: its contributions (``contrib_rows``) replaced, the edges it
    touched summed again."""
    touched = drop_note(conn, path)
    if rows is not None:
        touched |= add_note(conn, rows)
    _sum(conn, sorted(touched))


def rebuild(conn) -> None:
    """Every edge and degree summed from ``reason_contrib`` (after a full index). SQL groups the claims by edge
    (``_LOWEST``: each edge's lowest cost, claim count and the payloads at that cost), so Python sees one row per
    edge and tie instead of every claim, and writes each edge's u -> v row in key order, 50,000 at a time; SQL
    then adds the v -> u rows, sorted by their key (10,000 notes, 1.7M claims: 29.8 s -> 13.9 s, the same rows;
    the reverse rows inserted at random were half of it)."""
    conn.execute("DELETE FROM reason_edges")
    conn.execute("DELETE FROM reason_degree")
    rows, current, ties = [], None, []
    for u, v, low, total, payload in conn.execute(_LOWEST):
        if (u, v) != current:
            if ties:
                rows.append((*current, *_weight(lowest, claims, ties)))
                if len(rows) >= 50_000:
                    conn.executemany("INSERT INTO reason_edges VALUES (?,?,?,?)", rows)
                    rows = []
            current, lowest, claims, ties = (u, v), low, total, []
        ties.append(payload)
    if ties:
        rows.append((*current, *_weight(lowest, claims, ties)))
    conn.executemany("INSERT INTO reason_edges VALUES (?,?,?,?)", rows)
    conn.execute("INSERT INTO reason_edges SELECT v, u, w, payload FROM reason_edges ORDER BY v, u")
    conn.execute("INSERT INTO reason_degree SELECT u, count(*) FROM reason_edges GROUP BY u")


# each edge's lowest cost and claim count, with the payload of every claim at that cost, by edge (the group reads
# the covering index reason_contrib_best in that order, so the ORDER BY sorts nothing; the join: a seek per edge)
_LOWEST = ("WITH g AS (SELECT u, v, min(cost) AS low, sum(count) AS total FROM reason_contrib GROUP BY u, v) "
           "SELECT g.u, g.v, g.low, g.total, c.payload FROM g JOIN reason_contrib c "
           "ON c.u = g.u AND c.v = g.v AND c.cost = g.low ORDER BY g.u, g.v")


def _rows(edge: tuple[str, str], w: float, payload: str) -> list[tuple]:
    """The two rows of ``reason_edges`` of an undirected edge, one per direction."""
    u, v = edge
    return [(u, v, w, payload), (v, u, w, payload)]


def _weight(low: float, total: int, ties: list[str]) -> tuple[float, str]:
    """An edge's weight and payload: its best claim's cost, a little cheaper for each further claim that says the
    same (``total`` claims), and of the claims at that cost (``ties``) the payload that orders first (``_key``).
    Only the ties are ordered, as ``_key`` orders by cost first (at a hub of 10,000 notes an edge has hundreds of
    claims, and ordering them all was most of a changed note's cost)."""
    best = min(ties, key=lambda payload: _key(low, payload)) if len(ties) > 1 else ties[0]
    return low * (1 - 0.025 * min(total - 1, 4)), best


def _sum(conn, edges: list[tuple[str, str]]) -> None:
    nodes: set[str] = set()
    for u, v in edges:
        low, total = conn.execute("SELECT min(cost), sum(count) FROM reason_contrib WHERE u = ? AND v = ?",
                                  (u, v)).fetchone()
        conn.execute("DELETE FROM reason_edges WHERE (u = ? AND v = ?) OR (u = ? AND v = ?)", (u, v, v, u))
        if low is not None:
            ties = [r[0] for r in conn.execute("SELECT payload FROM reason_contrib WHERE u = ? AND v = ? AND cost = ?",
                                               (u, v, low))]
            conn.executemany("INSERT INTO reason_edges VALUES (?,?,?,?)", _rows((u, v), *_weight(low, total, ties)))
        nodes |= {u, v}
    for node in sorted(nodes):
        n = conn.execute("SELECT count(*) FROM reason_edges WHERE u = ?", (node,)).fetchone()[0]
        if n:
            conn.execute("INSERT OR REPLACE INTO reason_degree VALUES (?, ?)", (node, n))
        else:
            conn.execute("DELETE FROM reason_degree WHERE node = ?", (node,))


# --- reading -----------------------------------------------------------------------------------------------

def neighbours(conn, node: str) -> list[tuple[str, float, int]]:
    """(other station, weight, the other's claim degree) of every claim edge of ``node``."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute("SELECT e.v, e.w, coalesce(d.degree, 0) FROM reason_edges e LEFT JOIN reason_degree d "
                          "ON d.node = e.v WHERE e.u = ?", (node,)).fetchall()


def edge_weight(conn, u: str, v: str) -> float | None:
    row = conn.execute("SELECT w FROM reason_edges WHERE u = ? AND v = ?", (u, v)).fetchone()
    return row[0] if row else None


def sorted_edges(conn, node: str, after: tuple[float, str] | None, n: int) -> list[tuple[str, float, int]]:
    """The next ``n`` claim edges of ``node`` by weight (after ``(w, v)``), with the other end's claim degree."""
    cursor = conn.cursor()
    cursor.row_factory = None
    q = ("SELECT e.v, e.w, coalesce(d.degree, 0) FROM reason_edges e LEFT JOIN reason_degree d ON d.node = e.v "
         "WHERE e.u = ? {} ORDER BY e.w, e.v LIMIT ?")
    if after is None:
        return cursor.execute(q.format(""), (node, n)).fetchall()
    w, v = after
    return cursor.execute(q.format("AND (e.w > ? OR (e.w = ? AND e.v > ?))"), (node, w, w, v, n)).fetchall()


def degrees(conn, nodes: list[str]) -> dict[str, int]:
    return {node: degree for node, degree in
            select_in(conn, "SELECT node, degree FROM reason_degree WHERE node IN ({})", nodes)}


def payload(text: str) -> tuple:
    return _tuple(json.loads(text))
