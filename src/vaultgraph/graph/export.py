"""Exports: Turtle (rdflib ``longturtle``), N-Triples, JSON-LD, GraphML. Same vault → same bytes.

Triples are sorted before they reach a serializer, there are no blank nodes, and rdflib's Memory
store keeps insertion order, so every format is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

FORMATS = ("ttl", "nt", "jsonld", "graphml")
PREFIXES = {
    "vg": "https://vaultgraph.dev/ns#", "c": "https://vaultgraph.dev/concept/", "note": "https://vaultgraph.dev/vault/",
    "src": "https://vaultgraph.dev/source/", "tag": "https://vaultgraph.dev/tag/",
    "skos": "http://www.w3.org/2004/02/skos/core#", "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}


def _sorted_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    unique = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def to_rdflib(triples: list[ox.Triple]):
    from rdflib import Graph, Literal, URIRef

    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)

    def term(t):
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            dt = t.datatype.value if t.datatype else None
            if dt == "http://www.w3.org/2001/XMLSchema#string":
                dt = None
            return Literal(t.value, datatype=URIRef(dt) if dt else None)
        raise ValueError(f"blank node in export: {t}")

    for t in triples:
        graph.add((term(t.subject), term(t.predicate), term(t.object)))
    return graph


def export(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    triples = _sorted_triples(quads)
    if fmt == "nt":
        return uchar("".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)).encode("utf-8")
    if fmt == "graphml":
        return _graphml(triples)
    graph = to_rdflib(triples)
    if fmt == "ttl":
        return uchar(graph.serialize(format="longturtle")).encode("utf-8")
    if fmt == "jsonld":
        context = dict(PREFIXES)
        return graph.serialize(format="json-ld", context=context, indent=1, sort_keys=True).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def _graphml(triples: list[ox.Triple]) -> bytes:
    """Nodes are IRIs, edges are object properties; literals become node attributes. Opens in Gephi."""
    import io

    import networkx as nx

    g = nx.MultiDiGraph()
    for t in triples:
        s, p = _xml(t.subject.value), t.predicate.value
        name = _short(p)
        if isinstance(t.object, ox.Literal):
            g.add_node(s)
            attrs = g.nodes[s]
            value = _xml(t.object.value)
            attrs[name] = f"{attrs[name]} | {value}" if name in attrs else value
        else:
            if name == "type":
                g.add_node(s)
                attrs = g.nodes[s]
                attrs["type"] = f"{attrs['type']} {_short(t.object.value)}" if "type" in attrs else _short(t.object.value)
                continue
            g.add_edge(s, _xml(t.object.value), key=name, relation=name)
    for node, attrs in g.nodes(data=True):
        attrs.setdefault("label", attrs.get("label") or attrs.get("title") or _short(node))
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer, encoding="utf-8")
    return buffer.getvalue()


_UCHAR = {c: f"\\u{c:04X}" for c in (*range(9), 11, 12, *range(14, 32), 127)}


def uchar(text: str) -> str:
    """Turtle or N-Triples with the control characters of literals and IRIs written as ``\\u001B`` (the same
    RDF; an escape sequence in a note's name no longer reaches the terminal). Tab and line breaks are syntax."""
    return text.translate(_UCHAR)


_NOT_XML = {c: f"\\x{c:02x}" for c in (*range(9), 11, 12, *range(14, 32))} | {0xFFFE: "\\ufffe", 0xFFFF: "\\uffff"}


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: the control characters it forbids (a note named with an escape sequence)
    written as ``\\x1b``, a lone surrogate as U+FFFD (Gephi refuses the file otherwise)."""
    text = text.translate(_NOT_XML)
    return text.encode("utf-8", "replace").decode("utf-8") if any("\ud800" <= c <= "\udfff" for c in text) else text


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
