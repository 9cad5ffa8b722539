"""Graph stage: a note's records and facts → RDF quads in the note's own named graph.

Quads are pyoxigraph terms (fast to build and to load). Identifiers are stable: a note's IRI comes
from its vault-relative path, a claim's from the path, its line span and a hash of its text. No
blank nodes, so exports are deterministic and graphs compare by plain equality.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, unquote

import pyoxigraph as ox

from ..extract.records import Claim, NoteFacts
from ..extract.sources import source_url
from ..model import ParsedNote
from ..vocabulary import CLAIM_KINDS, GRAPH_ROLES, kind_class, role_individual
from .namespace import BASE, VG

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_CREATED = ox.NamedNode("http://purl.org/dc/terms/created")
_MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")
_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
_ATTRIBUTED = ox.NamedNode("http://www.w3.org/ns/prov#wasAttributedTo")
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_KIND_CLASS = {k: getattr(VG, kind_class(k)) for k in CLAIM_KINDS}
_ROLE = {r: getattr(VG, role_individual(r)) for r in GRAPH_ROLES}
_DIRECTION = {"improves": VG.Improves, "degrades": VG.Degrades}


class _Terms:
    """``VG``'s terms as pyoxigraph nodes: the first use of a name asks ``VG`` (a misspelt one fails there) and keeps
    the node as a plain attribute; ``VG``'s own lookup and a new node per quad were ~3% of the graph stage."""

    def __getattr__(self, name: str) -> ox.NamedNode:
        node = ox.NamedNode(str(getattr(VG, name)))
        setattr(self, name, node)
        return node


_V = _Terms()


@lru_cache(maxsize=4096)
def _n(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(term))


@lru_cache(maxsize=1 << 14)
def _quoted(text: str, safe: str) -> str:
    """``quote``, kept for the names a note repeats (its path in every claim's IRI, the concepts it names)."""
    return quote(text, safe=safe)


def note_iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(BASE + "vault/" + _quoted(path, "/"))


def note_place(iri: str) -> tuple[str, str] | None:
    """What ``note_iri`` / ``claim_iri`` made an IRI from: (vault path, fragment, "" for the note itself); None for
    an IRI of anything else (a concept, a source)."""
    base = BASE + "vault/"
    if not iri.startswith(base):
        return None
    path, _, fragment = unquote(iri[len(base):]).partition("#")
    return path, fragment


def claim_iri(claim_id: str) -> ox.NamedNode:
    path, _, frag = claim_id.partition("#")
    return ox.NamedNode(BASE + "vault/" + _quoted(path, "/") + "#" + quote(frag, safe="-"))


def concept_iri(concept: str) -> ox.NamedNode:
    return ox.NamedNode(BASE + "concept/" + _quoted(concept, ""))


def source_iri(key: str) -> ox.NamedNode:
    if key.startswith("note:") and not key.startswith("note:?"):
        return note_iri(key[5:])
    return ox.NamedNode(BASE + "source/" + quote(key, safe=":"))


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_XSD_INT)


def note_quads(note: ParsedNote, facts: NoteFacts, concept_labels: dict[str, tuple[str, ...]] | None = None,
               concept_broader: dict[str, tuple[str, ...]] | None = None) -> list[ox.Quad]:
    g = note_iri(note.path)
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, p if isinstance(p, ox.NamedNode) else _n(p), o, g))

    add(g, _RDF_TYPE, _V.Note)
    add(g, _V.path, ox.Literal(note.path))
    add(g, _TITLE, ox.Literal(str(note.frontmatter.get("title") or note.title)))
    for key, pred in (("created", _CREATED), ("updated", _MODIFIED), ("modified", _MODIFIED)):
        if note.frontmatter.get(key):
            add(g, pred, ox.Literal(str(note.frontmatter[key])))
    for alias in note.aliases:
        add(g, _V.alias, ox.Literal(alias))
    for tag in dict.fromkeys(t.name.lower() for t in note.tags):
        add(g, _V.hasTag, ox.NamedNode(BASE + "tag/" + quote(tag, safe="/")))
    for target, _, embed in facts.links:
        if target != note.path:
            add(g, _V.embeds if embed else _V.linksTo, note_iri(target))

    section_nodes = []
    for i, s in enumerate(note.sections):
        node = ox.NamedNode(f"{g.value}#section-L{s.line}")
        section_nodes.append(node)
        add(node, _RDF_TYPE, _V.Section)
        add(node, _V.inNote, g)
        add(node, _LABEL, ox.Literal(s.title))
        add(node, _V.headingPath, ox.Literal(" › ".join(s.path)))
        add(node, _V.headingLevel, _int(s.level))
        add(node, _V.startLine, _int(s.line))
        add(node, _V.endLine, _int(s.end_line))
        parent = next((section_nodes[j] for j in range(i - 1, -1, -1)
                       if note.sections[j].path == s.path[:-1] and len(s.path) > 1), None)
        if parent is not None:
            add(node, _V.parentSection, parent)
    for m in note.messages:
        node = ox.NamedNode(f"{g.value}#message-L{m.line}")
        add(node, _RDF_TYPE, _V.ChatMessage)
        add(node, _V.inNote, g)
        add(node, _V.author, _V.AssistantAgent if m.role == "assistant" else _V.UserAgent)
        add(node, _V.startLine, _int(m.line))
        add(node, _V.endLine, _int(m.end_line))
        if m.timestamp:
            add(node, _V.timestamp, ox.Literal(m.timestamp))
        if m.uid:
            add(node, _V.uid, ox.Literal(m.uid))

    if facts.concept:
        c = concept_iri(facts.concept)
        add(c, _n(_SKOS + "scopeNote"), ox.Literal(f"described in {note.path}"))
        add(c, _n("http://www.w3.org/2000/01/rdf-schema#isDefinedBy"), g)
        labels = (concept_labels or {}).get(facts.concept)
        if labels:  # a concept only the vault knows: typed, placed in the vault's scheme and labelled here
            add(c, _RDF_TYPE, _n(_SKOS + "Concept"))
            add(c, _n(_SKOS + "inScheme"), _V.VaultScheme)
            preferred: set[str] = set()
            for label in labels:
                lang = "ru" if any("\u0400" <= ch <= "\u04ff" for ch in label) else "en"
                kind = "altLabel" if lang in preferred else "prefLabel"
                preferred.add(lang)
                add(c, _n(_SKOS + kind), ox.Literal(label, language=lang))
        for parent in (concept_broader or {}).get(facts.concept, ()):  # the scheme's own or the note's broader:
            add(c, _n(_SKOS + "broader"), concept_iri(parent))

    for concept in sorted({c for claim in facts.claims for c in (*claim.about, *claim.affects, *claim.involves)}):
        add(g, _V.mentions, concept_iri(concept))  # the note speaks of it (its claims say how: about, affects …)
    sections_by_line = {s.path: section_nodes[i] for i, s in enumerate(note.sections)}  # last heading per path
    for claim in facts.claims:
        _claim_quads(add, g, claim, sections_by_line, note)
    kinds_of = {c.id: c.kinds for c in facts.claims}
    for solution, target in facts.mitigates:
        s = claim_iri(solution)
        if target.startswith("concept:"):
            add(s, _V.involves, concept_iri(target[8:]))
        elif target.startswith("note:"):
            add(s, _V.evidence, note_iri(target[5:]))
        else:
            add(s, _V.mitigates if "risk" in kinds_of.get(target, ()) else _V.addresses, claim_iri(target))
    for problem, consequence in facts.causes:
        add(claim_iri(problem), _V.causes, claim_iri(consequence))
    for source in facts.sources:
        node = source_iri(source.key)
        if source.key.startswith("note:") and not source.key.startswith("note:?"):
            add(node, _RDF_TYPE, _V.Source)  # a note of the vault cited as evidence
            continue
        add(node, _RDF_TYPE, _V.Source)
        add(node, _LABEL, ox.Literal(source.text))
        url = source_url(source.key, source.kind)
        if url:
            add(node, _V.url, ox.Literal(url))
    return out


def _claim_quads(add, g: ox.NamedNode, claim: Claim, sections_by_line, note: ParsedNote) -> None:
    node = claim_iri(claim.id)
    for kind in claim.kinds:
        add(node, _RDF_TYPE, _n(_KIND_CLASS[kind]))
    add(node, _V.text, ox.Literal(claim.text))
    add(node, _V.inNote, g)
    add(node, _DERIVED, g)
    add(node, _ATTRIBUTED, _V.AssistantAgent if claim.author == "assistant" else _V.UserAgent)
    span = ox.NamedNode(node.value + "-span")
    add(node, _V.span, span)
    add(span, _RDF_TYPE, _V.Span)
    add(span, _V.path, ox.Literal(claim.path))
    add(span, _V.startLine, _int(claim.line))
    add(span, _V.endLine, _int(claim.end_line))
    if claim.heading:
        add(span, _V.headingPath, ox.Literal(" › ".join(claim.heading)))
        section_line = sections_by_line.get(claim.heading)
        if section_line is not None:
            add(node, _V.inSection, section_line)
    if claim.role in _ROLE:
        add(node, _V.role, _n(_ROLE[claim.role]))
    for concept in claim.about:
        add(node, _V.about, concept_iri(concept))
        if "risk" in claim.kinds:
            add(concept_iri(concept), _V.hasRisk, node)
    for concept in claim.affects:
        add(node, _V.affects, concept_iri(concept))
    for concept in claim.involves:
        add(node, _V.involves, concept_iri(concept))
    if claim.direction in _DIRECTION:
        add(node, _V.effectDirection, _n(_DIRECTION[claim.direction]))
    if claim.cost:
        add(node, _V.cost, ox.Literal(claim.cost))
    for key in claim.sources:
        add(node, _V.cites, source_iri(key))
    for path in claim.evidence:
        add(node, _V.evidence, note_iri(path))
