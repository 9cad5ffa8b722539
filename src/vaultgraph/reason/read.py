"""One note's named graph (its quads in the RDF store) → a ``NotePiece`` of plain Python records.

This is the only place that knows how ``graph/build.py`` lays a note out in RDF; everything the
reasoning does afterwards works on these records.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, unquote

from ..graph.namespace import BASE
from ..vocabulary import CLAIM_KINDS, GRAPH_ROLES, kind_class, role_individual
from .model import ClaimRec, NotePiece

_VG = BASE + "ns#"
_NOTE = BASE + "vault/"
_CONCEPT = BASE + "concept/"
_SOURCE = BASE + "source/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_DEFINED_BY = "http://www.w3.org/2000/01/rdf-schema#isDefinedBy"
_TITLE = "http://purl.org/dc/terms/title"
_ATTRIBUTED = "http://www.w3.org/ns/prov#wasAttributedTo"
_KINDS = {_VG + kind_class(k): k for k in CLAIM_KINDS}
_KIND_ORDER = CLAIM_KINDS
_ROLES = {_VG + role_individual(r): r for r in GRAPH_ROLES}
_DIRECTIONS = {_VG + "Improves": "improves", _VG + "Degrades": "degrades"}


@lru_cache(maxsize=65536)
def concept_id(iri: str) -> str | None:
    return unquote(iri[len(_CONCEPT):]) if iri.startswith(_CONCEPT) else None


@lru_cache(maxsize=65536)
def note_path(iri: str) -> str | None:
    return unquote(iri[len(_NOTE):]) if iri.startswith(_NOTE) and "#" not in iri else None


@lru_cache(maxsize=65536)
def source_key(iri: str) -> str | None:
    return unquote(iri[len(_SOURCE):]) if iri.startswith(_SOURCE) else None


def piece_from_quads(path: str, quads: Iterable) -> NotePiece:
    """Read one note's graph. ``quads`` are pyoxigraph quads (or triples) of that graph only."""
    props: dict[str, dict[str, list[str]]] = {}
    for q in quads:
        props.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object.value)
    g = _NOTE + quote(path, safe="/")
    me = props.get(g, {})
    title = (me.get(_TITLE) or [path.rsplit("/", 1)[-1].removesuffix(".md")])[0]
    links = tuple(dict.fromkeys(p for iri in (*me.get(_VG + "linksTo", ()), *me.get(_VG + "embeds", ()))
                                if (p := note_path(iri)) and p != path))
    defines: list[str] = []
    sections: list[tuple[int, int, str]] = []
    claims: list[ClaimRec] = []
    mitigates: list[tuple[str, str]] = []
    causes: list[tuple[str, str]] = []
    sources: list[tuple[str, str, str | None]] = []
    messages: list[tuple[int, int, str]] = []
    for subject, p in props.items():
        types = p.get(_RDF_TYPE, ())
        if g in p.get(_DEFINED_BY, ()) and (cid := concept_id(subject)):
            defines.append(cid)
        if _VG + "text" in p and any(t in _KINDS for t in types):
            claims.append(_claim(subject, p, props, path))
            mitigates += [(subject, o) for o in (*p.get(_VG + "mitigates", ()), *p.get(_VG + "addresses", ()))]
            causes += [(subject, o) for o in p.get(_VG + "causes", ())]
        elif _VG + "Section" in types:
            sections.append((_int(p, _VG + "startLine"), _int(p, _VG + "endLine"),
                             (p.get(_VG + "headingPath") or p.get(_LABEL) or [""])[0]))
        elif _VG + "ChatMessage" in types:
            author = "assistant" if any(a.endswith("#AssistantAgent") for a in p.get(_VG + "author", ())) else "user"
            messages.append((_int(p, _VG + "startLine"), _int(p, _VG + "endLine"), author))
        elif _VG + "Source" in types and (key := source_key(subject)):
            sources.append((key, (p.get(_LABEL) or [key])[0], (p.get(_VG + "url") or [None])[0]))
    claims.sort(key=lambda c: (c.line, c.end_line, c.id))
    return NotePiece(path=path, title=title, aliases=tuple(sorted(me.get(_VG + "alias", ()))),
                     defines=tuple(sorted(defines)), first_section=min(sections) if sections else None,
                     links=links, claims=tuple(claims), mitigates=tuple(sorted(mitigates)),
                     causes=tuple(sorted(causes)), sources=tuple(sorted(sources)),
                     messages=tuple(sorted(messages)))


def _claim(iri: str, p: dict[str, list[str]], props: dict, path: str) -> ClaimRec:
    span = {}
    for s in p.get(_VG + "span", ()):
        span = props.get(s, {})
        break
    kinds = {_KINDS[t] for t in p.get(_RDF_TYPE, ()) if t in _KINDS} | {"claim"}
    cites, evidence = [], []
    for o in p.get(_VG + "cites", ()):
        key = source_key(o)
        if key is not None:
            cites.append(key)
        elif (target := note_path(o)) is not None:
            evidence.append(target)
    evidence += [t for o in p.get(_VG + "evidence", ()) if (t := note_path(o)) is not None]
    role = next((_ROLES[r] for r in p.get(_VG + "role", ()) if r in _ROLES), None)
    line = _int(span, _VG + "startLine") or _line_from_iri(iri)
    return ClaimRec(
        id=iri, kinds=tuple(k for k in _KIND_ORDER if k in kinds), text=p[_VG + "text"][0],
        path=(span.get(_VG + "path") or [path])[0], line=line, end_line=_int(span, _VG + "endLine") or line,
        heading=(span.get(_VG + "headingPath") or [None])[0],
        author="assistant" if any(a.endswith("#AssistantAgent") for a in p.get(_ATTRIBUTED, ())) else "user",
        role=role,
        about=_concepts(p.get(_VG + "about", ())), affects=_concepts(p.get(_VG + "affects", ())),
        involves=_concepts(p.get(_VG + "involves", ())),
        direction=next((_DIRECTIONS[d] for d in p.get(_VG + "effectDirection", ()) if d in _DIRECTIONS), None),
        cost=(p.get(_VG + "cost") or [None])[0],
        cites=tuple(sorted(set(cites))), evidence=tuple(sorted(set(e for e in evidence if e != path))))


def _concepts(iris) -> tuple[str, ...]:
    return tuple(sorted({c for i in iris if (c := concept_id(i))}))


def _int(p: dict, key: str) -> int:
    values = p.get(key)
    return int(values[0]) if values else 0


def _line_from_iri(iri: str) -> int:
    frag = iri.rpartition("#")[2]
    try:
        return int(frag[1:].split("-")[0]) if frag.startswith("L") else 0
    except ValueError:
        return 0

