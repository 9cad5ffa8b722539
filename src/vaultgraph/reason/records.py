"""The reasoning's records, from the index only: a note's ``NotePiece`` when it is indexed, claims read back from
``passages`` and ``relations`` when a question needs them.

Write side (``piece_of``, ``relation_rows``): the indexer's ``NoteFacts`` of one note → the piece its edges are
made from, and the few facts of its claims the passages do not hold (the keys of the sources each claim cites,
the notes it cites as evidence, each source's label and link), written as ``relations`` rows in the indexer's
transaction. Read side (``claims``, ``claims_naming``, ``every_claim``): ``ClaimRec`` records rebuilt from those
rows. A saved answer (``kg ask --save``) states nothing here: its claims are left out on both sides, its links kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache

from ..extract.sources import source_url
from ..index.passages import answer_mark
from ..store.sqlite import select_in
from ..vocabulary import CLAIM_KINDS, GRAPH_ROLES
from .model import ClaimRec, NotePiece

CITES, EVIDENCE, LABEL, URL = "cites", "evidence", "label", "url"  # relations rows of reason/ (besides mitigates, causes)
SAVED = "json_extract(record, '$.frontmatter.kg')"  # notes_answer's expression: kept identical for the index to serve


# --- write side: a note's records, as the index is written ----------------------------------------------

def piece_of(note, facts, saved: bool = False) -> NotePiece:
    """One note's ``NotePiece`` from its parsed record and extracted facts (what its named graph says)."""
    path = note.path
    sections = [(s.line, s.end_line, " › ".join(s.path)) for s in note.sections]
    messages = tuple(sorted((m.line, m.end_line, "assistant" if m.role == "assistant" else "user")
                            for m in note.messages))
    links = tuple(dict.fromkeys(t for t, _, _ in facts.links if t != path))
    title = str(note.frontmatter.get("title") or note.title)
    if saved:
        return NotePiece(path, title, tuple(sorted(note.aliases)), (), min(sections) if sections else None, links,
                         (), (), (), (), messages)
    extra_involves: dict[str, set[str]] = {}
    extra_evidence: dict[str, set[str]] = {}
    mitigates, causes = [], []
    for solution, target in facts.mitigates:
        if target.startswith("concept:"):
            extra_involves.setdefault(solution, set()).add(target[8:])
        elif target.startswith("note:"):
            extra_evidence.setdefault(solution, set()).add(target[5:])
        else:
            mitigates.append((solution, target))
    causes = sorted(facts.causes)
    claims = tuple(sorted((_claim(c, extra_involves.get(c.id, ()), extra_evidence.get(c.id, ()), path)
                           for c in facts.claims), key=lambda c: (c.line, c.end_line, c.id)))
    sources = tuple(sorted((s.key, s.text, source_url(s.key, s.kind)) for s in facts.sources
                           if not (s.key.startswith("note:") and not s.key.startswith("note:?"))))
    return NotePiece(path, title, tuple(sorted(note.aliases)), (facts.concept,) if facts.concept else (),
                     min(sections) if sections else None, links, claims, tuple(sorted(mitigates)), tuple(causes),
                     sources, messages)


def _claim(c, involves: Iterable[str], evidence: Iterable[str], path: str) -> ClaimRec:
    cites = {k for k in c.sources if not k.startswith("note:") or k.startswith("note:?")}
    seen = {*c.evidence, *(k[5:] for k in c.sources if k.startswith("note:") and not k.startswith("note:?")), *evidence}
    return ClaimRec(
        id=c.id, kinds=tuple(k for k in CLAIM_KINDS if k in c.kinds or k == "claim"), text=c.text, path=c.path,
        line=c.line, end_line=c.end_line or c.line, heading=" › ".join(c.heading) if c.heading else None,
        author="assistant" if c.author == "assistant" else "user", role=c.role if c.role in GRAPH_ROLES else None,
        about=tuple(sorted(set(c.about))), affects=tuple(sorted(set(c.affects))),
        involves=tuple(sorted({*c.involves, *involves})),
        direction=c.direction if c.direction in ("improves", "degrades") else None, cost=c.cost,
        cites=tuple(sorted(cites)), evidence=tuple(sorted(e for e in seen if e != path)))


def relation_rows(piece: NotePiece) -> list[tuple[str, str, str]]:
    """(src, rel, dst) rows of what the passages do not hold: each claim's source keys and evidence notes, each
    source's label and link."""
    out: list[tuple[str, str, str]] = []
    for c in piece.claims:
        out += [(c.id, CITES, key) for key in c.cites]
        out += [(c.id, EVIDENCE, p) for p in c.evidence]
    for key, label, url in piece.sources:
        out.append((key, LABEL, label))
        if url:
            out.append((key, URL, url))
    return out


# --- read side ---------------------------------------------------------------------------------------------

_COLUMNS = "id, kinds, text, path, line, end_line, heading, author, role, about, affects, involves, direction, cost"
_SEP = "\x1f"  # index/store.py's list separator


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(value.split(_SEP)) if value else ()


@lru_cache(maxsize=4096)
def _kinds(value: str) -> tuple[str, ...]:
    """The claim kinds of a passage, in the vocabulary's order (``claim`` always)."""
    kinds = set(_split(value))
    return tuple(k for k in CLAIM_KINDS if k in kinds or k == "claim")


@lru_cache(maxsize=65536)
def _concepts(value: str) -> tuple[str, ...]:
    return tuple(sorted(set(_split(value))))


@lru_cache(maxsize=65536)
def _heading(value: str) -> str | None:
    return " › ".join(_split(value)) or None


def _records(conn, rows, saved: frozenset[str], query: tuple[str, tuple] | None = None) -> list[ClaimRec]:
    """Claim records from passage rows (``_COLUMNS``); ``query`` (SQL and parameters) selects the same rows'
    ``row``s, to read their relations in one statement."""
    rows = [r for r in rows if r[3] not in saved]
    extra = _rows_of(conn, [r[0] for r in rows], query)
    out = []
    for (cid, kinds, text, path, line, end, heading, author, role, about, affects, involves, direction, cost) in rows:
        cites, evidence, more = extra.get(cid, ((), (), ()))
        out.append(ClaimRec(
            id=cid, kinds=_kinds(kinds), text=text, path=path, line=line,
            end_line=end or line, heading=_heading(heading),
            author="assistant" if author == "assistant" else "user", role=role if role in GRAPH_ROLES else None,
            about=_concepts(about), affects=_concepts(affects),
            involves=tuple(sorted({*_split(involves), *more})) if more else _concepts(involves),
            direction=direction if direction in ("improves", "degrades") else None, cost=cost or None,
            cites=cites, evidence=tuple(e for e in evidence if e != path)))
    return out


def _rows_of(conn, ids: list[str], query: tuple[str, tuple] | None = None) -> dict[str, tuple]:
    """claim id → (cites, evidence, involves added by ``mitigates concept:``) from ``relations``."""
    found: dict[str, tuple[set, set, set]] = {}
    if query is not None:
        cursor = conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute("SELECT src, rel, dst FROM relations WHERE src IN (SELECT id FROM passages WHERE row IN "
                              f"({query[0]}))", query[1])
    elif len(ids) > 20_000:  # most of the vault (kg check): one pass over the table beats thousands of lookups
        wanted = set(ids)
        rows = (r for r in conn.execute("SELECT src, rel, dst FROM relations WHERE rel IN (?, ?, 'mitigates')",
                                        (CITES, EVIDENCE)) if r[0] in wanted)
    else:
        rows = select_in(conn, "SELECT src, rel, dst FROM relations WHERE src IN ({})", ids)
    for src, rel, dst in rows:
        cites, evidence, involves = found.setdefault(src, (set(), set(), set()))
        if rel == CITES:
            cites.add(dst)
        elif rel == EVIDENCE:
            evidence.add(dst)
        elif rel == "mitigates" and dst.startswith("note:"):
            evidence.add(dst[5:])
        elif rel == "mitigates" and dst.startswith("concept:"):
            involves.add(dst[8:])
    return {k: (tuple(sorted(c)), tuple(sorted(e)), tuple(sorted(i))) for k, (c, e, i) in found.items()}


def claims(conn, ids: Iterable[str], saved: frozenset[str] = frozenset()) -> dict[str, ClaimRec]:
    """The claims of these ids (those of saved answers left out)."""
    ids = list(dict.fromkeys(ids))
    rows = select_in(conn, f"SELECT {_COLUMNS} FROM passages WHERE field = 'claim' AND id IN ({{}})", ids)
    return {c.id: c for c in _records(conn, [tuple(r) for r in rows], saved)}


def claims_naming(conn, concept: str, rels: tuple[str, ...], saved: frozenset[str],
                  kind: str | None = None) -> list[ClaimRec]:
    """Claims whose ``about`` (or ``affects``, ``involves``, as ``rels`` says) holds ``concept``; of one kind
    (``risk`` …) when given."""
    rows = (f"SELECT row FROM passage_concepts WHERE concept = ? AND field = 'claim' "
            f"AND rel IN ({','.join('?' * len(rels))})" + (" AND ',' || kinds || ',' LIKE ?" if kind else ""))
    args = (concept, *rels, *((f"%,{kind},%",) if kind else ()))
    cursor = conn.cursor()
    cursor.row_factory = None
    found = _records(conn, cursor.execute(f"SELECT {_COLUMNS} FROM passages WHERE row IN ({rows})", args).fetchall(),
                     saved, (rows, args))
    if "involves" in rels:  # a solution mitigating "concept:X" involves X (as the graph says)
        more = [r["src"] for r in conn.execute("SELECT src FROM relations WHERE rel = 'mitigates' AND dst = ?",
                                               ("concept:" + concept,))]
        have = {c.id for c in found}
        found += [c for c in claims(conn, [m for m in more if m not in have], saved).values()]
    return [c for c in found if kind in c.kinds] if kind else found


def note_claims(conn, path: str, saved: frozenset[str]) -> list[ClaimRec]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM passages WHERE field = 'claim' AND path = ?", (path,)).fetchall()
    return sorted(_records(conn, [tuple(r) for r in rows], saved), key=lambda c: (c.line, c.end_line, c.id))


def every_claim(conn, saved: frozenset[str]) -> list[ClaimRec]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM passages WHERE field = 'claim'").fetchall()
    return _records(conn, [tuple(r) for r in rows], saved)


def saved_paths(conn) -> frozenset[str]:
    """The notes ``kg ask --save`` wrote (through the ``notes_answer`` expression index)."""
    return frozenset(r[0] for r in conn.execute(f"SELECT path, {SAVED} FROM notes WHERE {SAVED} >= ''")
                     if answer_mark(r[1]))  # ">= ''": the text values, a range of the index (IS NOT NULL scans)


def messages(conn, paths: Iterable[str] | None = None) -> dict[str, tuple[tuple[int, int, str], ...]]:
    """Chat messages (line, end_line, "user" | "assistant") of these notes (every note's when None)."""
    q = "SELECT path, json_extract(record, '$.messages') FROM notes WHERE record IS NOT NULL"
    rows = conn.execute(q) if paths is None else [r for p in paths for r in conn.execute(q + " AND path = ?", (p,))]
    out = {}
    for path, data in rows:
        items = json.loads(data) if data else []
        if items:
            out[path] = tuple(sorted((m["line"], m["end_line"], "assistant" if m["role"] == "assistant" else "user")
                                     for m in items))
    return out
