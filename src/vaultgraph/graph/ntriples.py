"""A note graph's N-Triples as ``kg check`` reads it: (subject, predicate, object, line) tuples of plain
strings, the object an IRI string or an rdflib ``Literal``; and rdflib terms of pyoxigraph ones.

At 10,000 notes ``kg check`` reads ~7M triples. As pyoxigraph ``Quad``s they cost a Python object per term
and more for each ``.value``; Oxigraph writes a graph as N-Triples without any (``LocalGraph.graph_ntriples``)
and a line in its canonical form (``<s> <p> <o> .``, ``<s> <p> "lexical"…`` with no escape in it) splits with
a few string searches. Any other line (an escape, a blank node, another server's spacing) is read by
pyoxigraph's own parser, so what a line means never depends on which way it was read
(``tests/test_ntriples.py``).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import Literal, URIRef  # imported only by a check

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CAP = 200_000  # terms kept per cache (each cache is emptied when full)
_IRIS: dict[str, URIRef] = {}
_LITERALS: dict = {}  # an object's N-Triples text (or a pyoxigraph Literal) → its rdflib Literal


_IRI = r"<([^>]*)>"  # an IRI holds no ">" (nor spaces, quotes …: what a valid line holds is read the same)
# Oxigraph's form of a line: one space between terms, no escape in a literal (a line with one is parsed)
_LINE = re.compile(_IRI + " " + _IRI + " (?:" + _IRI + r'|"([^"\\\n\r]*)"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^'
                   + _IRI + r")?) \.")


def note_triples(data: bytes) -> list[tuple[str, str, str | Literal, str]]:
    """(subject IRI, predicate IRI, object, N-Triples line) of each line of ``data``; the object an IRI as a
    ``str`` or an rdflib ``Literal``. A blank node raises ``ValueError`` (the vault graph has none)."""
    out = []
    literals, match = _LITERALS, _LINE.fullmatch
    for line in data.decode().split("\n"):
        if not line:
            continue
        m = match(line)
        if m is None:
            out.append(_parsed(line))
            continue
        s, p, o, lex, lang, dt = m.groups()
        if o is None:
            key = line[m.start(4) - 1:-2]  # the literal as written
            o = literals.get(key)
            if o is None:
                o = _keep(literals, key, Literal(lex, lang=lang) if lang else _literal(lex, dt))
        out.append((s, p, o, line))
    return out


def _parsed(line: str) -> tuple[str, str, str | Literal, str]:
    triples = list(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES))
    if len(triples) != 1:
        raise ValueError(f"not one N-Triples statement: {line!r}")
    t = triples[0]
    if type(t.subject) is not ox.NamedNode or type(t.object) is ox.BlankNode:
        raise ValueError(f"blank node in the vault graph: {t}")
    o = t.object.value if type(t.object) is ox.NamedNode else rdflib_term(t.object)
    return t.subject.value, t.predicate.value, o, line


def _literal(lex: str, datatype: str | None) -> Literal:
    return Literal(lex, datatype=URIRef(datatype) if datatype and datatype != _XSD_STRING else None)


def _keep(cache: dict, key, term):
    if len(cache) > _CAP:
        cache.clear()
    cache[key] = term
    return term


def iri(value: str) -> URIRef:
    """The rdflib IRI of ``value``, one object per IRI while the cache holds it."""
    term = _IRIS.get(value)
    return term if term is not None else _keep(_IRIS, value, URIRef(value))


def rdflib_term(t):
    """The rdflib term of a pyoxigraph one, as the vault graph's rdflib form has always been (an
    ``xsd:string`` literal plain)."""
    if isinstance(t, ox.NamedNode):
        return iri(t.value)
    if isinstance(t, ox.Literal):
        term = _LITERALS.get(t)
        if term is None:
            term = Literal(t.value, lang=t.language) if t.language else \
                _literal(t.value, t.datatype.value if t.datatype else None)
            _keep(_LITERALS, t, term)
        return term
    raise ValueError(f"blank node in the vault graph: {t}")
