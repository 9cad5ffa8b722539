"""A comparison's cells read by SQL, bounded: the best ``limit`` statements of each cell and how many it holds.

A hub method of a 10,000-note vault has tens of thousands of claims; a reader uses a handful a cell. So each
method's cells are one statement over ``passage_concepts`` and ``claim_order`` (what ``order_claims`` keeps of each
claim at index time): every claim's cell, the statements (claims with the same text, case and spacing aside, and
direction are one statement citing each: grouped by an integer id of that key), each cell's number of statements, and
only the first ``limit`` statements of each, with their first ``cites`` citations, reach Python.

The order of a cell (``NAV`` then ``RANK`` below, kept per claim by ``order_claims``; the order ``comparison.own_claims`` sorts claims by): stating something
before a line that only points elsewhere ("Related: [[LoRA]]"), user-written before the assistant's, sourced before
unsourced, with a direction before without; ties by path, line and claim id. A statement takes the place of its
first claim in that order. Sources: the most-citing claims first, ties by key; each shows its first 3 citing claims.

``is_navigation`` and ``sourced`` are read from the claim's ``relations`` rows, as ``records.py`` builds a ``ClaimRec``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..index.store import split_list
from ..model import Citation
from ..runtime import meanwhile
from ..store.sqlite import read_only, select_in

# a claim's links to notes (ClaimRec: its evidence notes and missing notes it cites), read as records.py reads them
LINKS = ("(SELECT count(DISTINCT CASE r.rel WHEN 'evidence' THEN 'note:' || r.dst ELSE r.dst END) FROM relations r "
         "WHERE r.src = {p}.id AND (r.rel = 'evidence' OR (r.rel IN ('cites', 'mitigates') AND r.dst LIKE 'note:%' "
         "AND r.dst != 'note:' || {p}.path)))")
# ClaimRec.sourced; a claim cites nothing without sources (whose texts it keeps in the passage, one per key at most)
SOURCED = ("(CASE WHEN {p}.sources = '' THEN 0 ELSE "
           "EXISTS (SELECT 1 FROM relations r WHERE r.src = {p}.id AND r.rel IN ('cites', 'evidence')) END)")
WORDS = "(length({p}.text) - length(replace({p}.text, ' ', '')) + ({p}.text != ''))"  # texts are single-spaced
ENTRIES = "(length({p}.sources) - length(replace({p}.sources, char(31), '')) + 1)"  # its sources (when any)
NAV = (f"(CASE WHEN {{p}}.sources = '' OR {WORDS} > 4 * {ENTRIES} + 2 THEN 0 ELSE "  # most claims: too many words
       f"(SELECT links >= 1 AND {WORDS} <= 4 * links + CASE WHEN links >= 2 THEN 2 ELSE 1 END "
       f"FROM (SELECT {LINKS} AS links)) END)")  # edges.is_navigation
RANK = (f"(({{p}}.author = 'assistant') || (NOT {SOURCED}) || "
        "({p}.direction IS NULL) || {p}.path || char(1) || printf('%010d', {p}.line) || char(1) || {p}.id)")
NOT_SAVED = "{p}.path NOT IN (SELECT value FROM json_each(?))"
DIRECTION = "coalesce({p}.direction, '')"


def statement_key(text: str | None) -> str:
    """What makes two claims one statement (SQL ``kg_key``): their text, whitespace and case aside."""
    return " ".join((text or "").split()).casefold()


def statement_id(text: str | None, direction: str | None = None) -> int:
    """``statement_key`` as a 64-bit integer (SQL ``kg_sid``), with the claim's ``direction`` when given (a cell of
    effects tells "improves" from "degrades"): a comparison groups a hub's tens of thousands of claims by integers
    instead of their texts. Two statements share one only by a 64-bit hash collision (odds ~1e-9 at a million)."""
    key = statement_key(text) if direction is None else f"{statement_key(text)}\x01{direction}"
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def order_claims(conn, path: str | None = None) -> None:
    """Keep each claim of note ``path`` with its place in a cell (table ``claim_order``): whether it only points
    elsewhere (``nav``, from ``NAV``), its rank (``ork``: ``nav`` then ``RANK``), its statement ids (``skey``; ``dkey``
    with its direction; ``ckey`` of its cost), the few columns of its passage a cell is chosen by (the capabilities
    it affects as a JSON array), and whether it has sources. Run once the note's passages and relations are
    written: all of it reads only the claim's own row and its own note's relations, so it holds until the note is
    written again (``index.store.remove_passages`` drops it with the claim). A comparison then reads this narrow
    table alone instead of working it out, or reading the passages, for each of a hub method's tens of thousands
    of claims. Without ``path``: every claim (a full index, once its passages and relations are all written)."""
    conn.create_function("kg_sid", 1, statement_id, deterministic=True)
    conn.create_function("kg_dsid", 2, statement_id, deterministic=True)
    conn.create_function("kg_json_list", 1, _json_list, deterministic=True)
    conn.execute(f"INSERT INTO claim_order SELECT row, nav, nav || rk, kg_sid(text), kg_dsid(text, {sql(DIRECTION, 'c')}), "
                 "CASE WHEN coalesce(cost, '') != '' THEN kg_sid(cost) END, path, id, kinds, direction, "
                 "CASE WHEN affects = '' THEN '[]' ELSE kg_json_list(affects) END, sources != '' "  # most affect none
                 f"FROM (SELECT p.*, {sql(NAV, 'p')} AS nav, {sql(RANK, 'p')} AS rk "
                 f"FROM passages p WHERE {'' if path is None else 'p.path = ? AND '}p.field = 'claim') c",
                 () if path is None else (path,))


def _json_list(joined: str) -> str:
    """A passage's list column as a JSON array, which SQL reads row by row (``json_each``) where the passage's
    ``passage_concepts`` rows cost a lookup each."""
    return json.dumps(split_list(joined), ensure_ascii=False)


def has(kind: str, p: str = "o") -> str:
    return f"instr({p}.kinds, '{kind}')"


def sql(template: str, p: str) -> str:
    return template.format(p=p)


@dataclass(frozen=True)
class Statement:
    """One statement of a cell: its text, direction, the rows of its first claims, how many claims state it."""

    text: str
    direction: str | None
    rows: tuple[int, ...]
    claims: int


@dataclass(frozen=True)
class Cell:
    statements: tuple[Statement, ...]
    total: int  # statements in the cell
    claims: int  # claims in the cell (the effect rows are ordered by it)


def rels_of(scheme: str) -> tuple[str, ...]:
    """How a claim names a concept of this scheme as its own: about it, or for a capability (phenomenon) affecting
    (involving) it."""
    return ("about", *(("affects",) if scheme == "capability" else ()), *(("involves",) if scheme == "phenomenon" else ()))


def own_rows(concept: str, scheme: str, kind: str | None = None) -> tuple[str, list]:
    """SQL selecting the passage rows of a concept's own claims (``comparison.own_claims``), and its parameters;
    with ``kind``, of those naming it in ``passage_concepts`` only the claims of that kind (its rows carry the
    claim's kinds: a hub's claims of other kinds are never read from ``passages``)."""
    rels = rels_of(scheme)
    q = f"SELECT row FROM passage_concepts WHERE concept = ? AND field = 'claim' AND rel IN ({','.join('?' * len(rels))})"
    args: list = [concept, *rels]
    if kind is not None:
        q += " AND instr(kinds, ?)"
        args.append(kind)
    if scheme == "phenomenon":  # a solution mitigating "concept:X" involves X (records.claims_naming)
        q += (" UNION SELECT row FROM passages WHERE field = 'claim' AND id IN "
              "(SELECT src FROM relations WHERE rel = 'mitigates' AND dst = ?)")
        args.append("concept:" + concept)
    return q, args


def named_by(concepts: list[tuple[str, str]], p: str) -> tuple[str, list]:
    """SQL true when passage ``p`` is one of the own claims (``own_rows``) of any of these ``(concept, scheme)``,
    read per passage through its concept rows (and its relations, for a phenomenon): cheaper than listing a hub's
    tens of thousands of rows when few passages are asked about. Its parameters follow."""
    tests, args = [], []
    for concept, scheme in concepts:
        rels = rels_of(scheme)
        tests.append(f"(x.concept = ? AND x.rel IN ({','.join('?' * len(rels))}))")
        args += [concept, *rels]
    q = (f"EXISTS (SELECT 1 FROM passage_concepts x WHERE x.row = {p}.row AND x.field = 'claim' "
         f"AND ({' OR '.join(tests)}))")
    for concept, scheme in concepts:
        if scheme == "phenomenon":
            q += (f" OR {p}.field = 'claim' AND EXISTS (SELECT 1 FROM relations r WHERE r.src = {p}.id "
                  "AND r.rel = 'mitigates' AND r.dst = ?)")
            args.append("concept:" + concept)
    return f"({q})", args


def method_cells(conn, method: tuple[str, str], ancestors: list[tuple[str, str]], saved: frozenset[str],
                 limit: int | None, cites: int | None) -> dict[tuple[str, str], Cell]:
    """(cell, capability or '') → ``Cell`` of one method (``(concept id, scheme)``) and its broader ``ancestors``
    (nearest first): cells "effect" (per capability), "cost", "other effects", "risks", "limitations",
    "mitigations" and "inherited risks" (capability: the ancestor's index in ``ancestors``)."""
    saved_json = json.dumps(sorted(saved))
    own_q, own_args = own_rows(*method)
    parts = [
        f"SELECT 'effect', j.value, o.dkey, o.ork, o.row FROM own o JOIN json_each(o.affects) j "
        f"WHERE o.affects != '[]' AND NOT o.nav AND NOT {has('solution')}",  # a capability a row
        "SELECT 'cost', '', o.ckey, o.ork, o.row FROM own o WHERE o.ckey IS NOT NULL",
        f"SELECT 'other effects', '', o.dkey, o.ork, o.row FROM own o "
        f"WHERE NOT o.nav AND o.affects = '[]' AND NOT {has('risk')} AND NOT {has('solution')} "
        f"AND (o.direction IS NOT NULL OR {has('result')})",
        f"SELECT 'risks', '', o.dkey, o.ork, o.row FROM own o "
        f"WHERE NOT o.nav AND {has('risk')} AND (o.affects = '[]' OR {has('solution')})",
        f"SELECT 'limitations', '', o.skey, o.ork, o.row FROM own o "
        f"WHERE NOT o.nav AND {has('limitation')} AND NOT {has('risk')}",
        "SELECT 'mitigations', '', m.skey, m.ok, m.row FROM mit m",
    ]
    args: list = [*own_args, saved_json, saved_json]
    for i, (concept, scheme) in enumerate(ancestors):
        q, a = own_rows(concept, scheme, "risk")
        excluded, excluded_args = named_by([method, *ancestors[:i]], "p")  # an ancestor further up repeats none
        parts.append(
            f"SELECT 'inherited risks', '{i}', c.dkey, printf('%04d', {i}) || c.ork, p.row "
            f"FROM passages p JOIN claim_order c ON c.row = p.row WHERE p.field = 'claim' AND p.row IN ({q}) "
            f"AND NOT {excluded} AND {has('risk', 'p')} AND NOT c.nav AND {sql(NOT_SAVED, 'p')}")
        args += [*a, *excluded_args, saved_json]
    unlimited = -1 if limit is None else limit
    query = f"""
WITH own AS MATERIALIZED (  -- claim_order holds claims only, with what a cell is chosen by
    SELECT o.row, o.id, o.direction, o.kinds, o.affects, o.nav, o.ork, o.skey, o.dkey, o.ckey
    FROM claim_order o WHERE o.row IN ({own_q}) AND {sql(NOT_SAVED, 'o')}),
mit AS (
    SELECT o.row, o.skey, o.ork AS ok FROM own o WHERE NOT o.nav AND {has('solution')}
    UNION SELECT c.row, c.skey, c.ork FROM relations r JOIN passages s ON s.id = r.src AND s.field = 'claim'
    JOIN claim_order c ON c.row = s.row WHERE r.rel = 'mitigates' AND r.dst IN (SELECT o.id FROM own o WHERE NOT o.nav AND ({has('risk')} OR {has('problem')}))
    AND {sql(NOT_SAVED, 's')}),  -- what a solution mitigates is a risk or a problem (extract/facts.py)
items(cell, sub, key, ok, row) AS MATERIALIZED ({' UNION ALL '.join(parts)}),
statements AS MATERIALIZED (  -- "row": the row of the best claim (SQLite's bare column beside min())
    SELECT cell, sub, key, min(ok) AS best, row, count(*) AS n FROM items GROUP BY cell, sub, key),
sizes AS (SELECT cell, sub, count(*) AS total, sum(n) AS claims FROM statements GROUP BY cell, sub),
ranked AS (
    SELECT cell, sub, key, n, row, row_number() OVER (PARTITION BY cell, sub ORDER BY best) AS rank FROM statements),
shown AS MATERIALIZED (
    SELECT r.cell, r.sub, r.key, r.n, r.row, r.rank, z.total, z.claims FROM ranked r
    JOIN sizes z ON z.cell = r.cell AND z.sub = r.sub WHERE ? < 0 OR r.rank <= ?),
cited AS (  -- the claims of the statements said more than once, in order (items probed against the few shown)
    SELECT i.cell, i.sub, i.key, i.row, row_number() OVER (PARTITION BY i.cell, i.sub, i.key ORDER BY i.ok) AS k
    FROM items i WHERE (i.cell, i.sub, i.key) IN (SELECT cell, sub, key FROM shown WHERE n > 1))
SELECT cell, sub, rank, total, claims, n, row, 1 FROM shown WHERE n = 1
UNION ALL SELECT s.cell, s.sub, s.rank, s.total, s.claims, s.n, c.row, c.k FROM shown s
JOIN cited c ON c.cell = s.cell AND c.sub = s.sub AND c.key = s.key WHERE ? < 0 OR c.k <= ?
ORDER BY 1, 2, 3, 8"""
    args += [unlimited, unlimited, -1 if cites is None else cites, -1 if cites is None else cites]
    cursor = conn.cursor()
    cursor.row_factory = None
    found: dict[tuple[str, str], tuple[int, int, dict[int, list]]] = {}
    for cell, sub, rank, total, claims, n, row, _ in cursor.execute(query, args):
        _, _, statements = found.setdefault((cell, sub), (total, claims, {}))
        statements.setdefault(rank, [n]).append(row)
    texts = _rows(conn, [r for _, _, st in found.values() for rows in st.values() for r in rows[1:]])
    out = {}
    for (cell, sub), (total, claims, statements) in found.items():
        items = []
        for rank in sorted(statements):
            n, *rows = statements[rank]
            first = texts[rows[0]]
            text = first[5] if cell == "cost" else first[4]
            direction = None if cell in ("cost", "limitations", "mitigations") else first[6]
            items.append(Statement(text, direction, tuple(rows), n))
        out[(cell, sub)] = Cell(tuple(items), total, claims)
    return out


SPLIT_ABOVE = 4_000  # concept rows a comparison reads in all past which a second thread takes part of them


def read_methods(conn, methods: list[tuple[tuple[str, str], list[tuple[str, str]]]], saved: frozenset[str],
                 limit: int | None, cites: int | None) -> list[tuple[dict, tuple]]:
    """``(method_cells, method_sources)`` of each ``(method, ancestors)``, in order. A comparison of hub methods
    reads tens of thousands of claims; past ``SPLIT_ABOVE`` concept rows the largest reads go to a second thread
    on a connection of its own (SQLite runs two connections' statements side by side), used only when it reads
    the same snapshot of the index (the time of the index, which every run writes, is the same); otherwise, or
    when it fails, this thread reads its share too."""
    def unit(kind: str, i: int, on) -> tuple:
        method, ancestors = methods[i]
        if kind == "cells":
            return method_cells(on, method, ancestors, saved, limit, cites)
        return method_sources(on, method, saved, limit)

    sizes = [conn.execute("SELECT count(*) FROM passage_concepts WHERE concept = ?", (m[0],)).fetchone()[0]
             for m, _ in methods]
    cost = {(kind, i): sizes[i] * (1 if kind == "cells" else 0.3) for i in range(len(methods))
            for kind in ("cells", "sources")}  # a method's sources read about a third of what its cells read
    units = sorted(cost, key=lambda u: -cost[u])
    mine, theirs, load = [], [], [0.0, 0.0]  # longest first, each to the less loaded thread
    for u in units:
        side = 0 if load[0] <= load[1] else 1
        (mine, theirs)[side].append(u)
        load[side] += cost[u]
    path = _database(conn)
    if sum(sizes) <= SPLIT_ABOVE or not theirs or path is None:
        mine, theirs = units, []
    done: dict[tuple[str, int], object] = {}
    helper = meanwhile(_read_apart, path, _snapshot(conn), [(u, unit) for u in theirs]) if theirs else None
    for u in mine:
        done[u] = unit(*u, conn)
    helped = helper() if helper is not None else None
    for u in theirs:
        done[u] = helped[u] if helped is not None else unit(*u, conn)
    return [(done[("cells", i)], done[("sources", i)]) for i in range(len(methods))]


def _database(conn) -> str | None:
    """The file of the connection's main database (None in memory)."""
    return next((row[2] or None for row in conn.execute("PRAGMA database_list") if row[1] == "main"), None)


def _snapshot(conn) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'indexed_at'").fetchone()
    return row[0] if row else None


def _read_apart(path: str, snapshot: str | None, units: list) -> dict | None:
    """``units`` read on a read-only connection of its own to ``path`` (on a second thread): their results, or None
    when that connection's snapshot is not ``snapshot`` or a read fails (the caller then reads them itself)."""
    import sqlite3

    try:
        conn = read_only(path)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")
        if snapshot is None or _snapshot(conn) != snapshot:
            return None  # an index committed in between: the caller reads on its own snapshot
        return {u: unit(*u, conn) for u, unit in units}
    except Exception:  # noqa: BLE001 - the caller reads what is missing itself, and meets the error if any
        return None
    finally:
        conn.close()


def _rows(conn, rows: list[int]) -> dict[int, tuple]:
    """row → (path, line, end_line, heading, text, cost, direction) of these passages."""
    return {r[0]: r[1:] for r in select_in(conn, "SELECT row, path, line, end_line, heading, text, cost, direction "
                                                 "FROM passages WHERE row IN ({})", list(dict.fromkeys(rows)))}


def citations(conn, rows: list[int]) -> dict[int, Citation]:
    from .records import _heading

    return {row: Citation(path, line, end or line, _heading(heading))
            for row, (path, line, end, heading, *_) in _rows(conn, rows).items()}


def method_sources(conn, method: tuple[str, str], saved: frozenset[str], limit: int | None,
                   cites: int = 3) -> tuple[list[tuple[str, tuple[int, ...]]], int]:
    """The sources a method's claims cite, most-citing claims first (ties by key), as a user reads them: their label
    (and link), sources whose labels read the same one item (``statement_key``): [(text, rows of the first
    ``cites`` claims citing each of its sources)] of the first ``limit``, and how many there are."""
    conn.create_function("kg_key", 1, statement_key, deterministic=True)
    own_q, own_args = own_rows(*method)
    unlimited = -1 if limit is None else limit
    query = f"""
WITH own AS MATERIALIZED (
    SELECT o.row, o.id FROM claim_order o WHERE o.row IN ({own_q}) AND o.has_sources
    AND {sql(NOT_SAVED, 'o')}),  -- a claim with no sources in its passage cites nothing
citing AS MATERIALIZED (
    SELECT DISTINCT r.dst AS key, o.id, o.row FROM relations r JOIN own o ON o.id = r.src WHERE r.rel = 'cites'),
keys AS (
    SELECT key, count(DISTINCT id) AS n, row_number() OVER (ORDER BY count(DISTINCT id) DESC, key) AS pos
    FROM citing GROUP BY key),
named AS (  -- as ReasonGraph.source reads them: the label and link of the first citing note by path
    SELECT key, pos, CASE WHEN key LIKE 'note:?%' THEN substr(key, 7) ELSE coalesce(
        (SELECT r.dst FROM relations r WHERE r.src = k.key AND r.rel = 'label' ORDER BY r.path LIMIT 1), key) END AS label,
        (SELECT r.dst FROM relations r WHERE r.src = k.key AND r.rel = 'url' ORDER BY r.path LIMIT 1) AS url
    FROM keys k),
shaped AS (
    SELECT key, pos, label || CASE WHEN coalesce(url, '') != '' AND instr(label, url) = 0 THEN ' <' || url || '>'
                                   ELSE '' END AS text FROM named),
texts AS MATERIALIZED (SELECT key, pos, text, kg_key(text) AS sk FROM shaped),  -- a Python call a source, once
items AS (
    SELECT sk, min(pos) AS best FROM texts GROUP BY sk),
ranked AS (
    SELECT sk, row_number() OVER (ORDER BY best) AS rank, count(*) OVER () AS total FROM items),
shown AS MATERIALIZED (SELECT * FROM ranked WHERE ? < 0 OR rank <= ?),
members AS MATERIALIZED (
    SELECT t.key, t.text, t.pos, s.rank, s.total FROM texts t JOIN shown s ON s.sk = t.sk),
first AS (
    SELECT c.key, c.row, row_number() OVER (PARTITION BY c.key ORDER BY o.ork) AS k FROM citing c
    JOIN claim_order o ON o.row = c.row WHERE c.key IN (SELECT key FROM members))
SELECT m.rank, m.total, m.text, f.row FROM members m JOIN first f ON f.key = m.key WHERE f.k <= ?
ORDER BY m.rank, m.pos, f.k"""
    cursor = conn.cursor()
    cursor.row_factory = None
    out: dict[int, list] = {}
    total = 0
    for rank, total, text, row in cursor.execute(query, [*own_args, json.dumps(sorted(saved)), unlimited, unlimited,
                                                         cites]):
        out.setdefault(rank, [text]).append(row)
    return [(text, tuple(rows)) for _, (text, *rows) in sorted(out.items())], total
