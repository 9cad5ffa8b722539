"""Exports: Turtle, N-Triples, JSON-LD, GraphML, streamed one named graph at a time. Same vault → same bytes.

A 10,000-note vault holds 7.3M quads: rdflib needed ~311 s and 8.7 GiB to hold them, and a sorted
``longturtle`` of the whole graph cost as much again. So the output is written graph by graph (the notes' in
the order of their IRIs, then nothing else is held but the current note's graph): each graph's N-Triples
are the index's copy of a note's graph (``copies``) or written by Oxigraph itself (no Python object per
triple either way), the lines are sorted within the graph, and each
triple is written once — a triple that names a note's own parts (``#…`` fragments of its IRI: a claim, a
concept's ``vg:hasRisk`` to it) lives in that note's graph alone; the others (the note's own IRI, which another note may call a source; a source cited by several
notes; a concept) are remembered as they are written: that set is what the export holds beyond one note's
graph. Turtle and JSON-LD are Oxigraph's serializers over the same lines (prefixes once at the top); there
are no blank nodes. (Until this version Turtle was rdflib's sorted ``longturtle``: the same RDF, other bytes.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

import pyoxigraph as ox

from .store import parse_ntriples, schema_graph

FORMATS = ("ttl", "nt", "jsonld", "graphml")
PREFIXES = {
    "vg": "https://vaultgraph.dev/ns#", "c": "https://vaultgraph.dev/concept/", "note": "https://vaultgraph.dev/vault/",
    "src": "https://vaultgraph.dev/source/", "tag": "https://vaultgraph.dev/tag/",
    "skos": "http://www.w3.org/2004/02/skos/core#", "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}
_NOTE_BASE = PREFIXES["note"]


def graph_lines(graph, include_schema: bool = False, read=None) -> Iterator[tuple[str, list[bytes]]]:
    """Each named graph's IRI and N-Triples lines (sorted), in IRI order, every triple once; ``read`` (IRI →
    N-Triples) reads a graph, the store's ``graph_ntriples`` when not given."""
    schema = schema_graph()
    names = sorted(n for n in graph.graph_names() if n != schema or include_schema)
    seen: set[bytes] = set()  # lines another graph may state too, written already
    for iri, data in read_ahead(read or graph.graph_ntriples, names):
        fragment = f"<{iri}#".encode()
        owned = iri.startswith(_NOTE_BASE)
        kept = []
        for line in data.split(b"\n"):
            if not line:
                continue
            if owned and fragment in line:  # about a note's own section, claim, span …: in its graph only
                kept.append(line)
            elif line not in seen:  # the note itself (another note may call it a source), a concept, a source …
                seen.add(line)
                kept.append(line)
        if kept:
            kept.sort()
            yield iri, kept


def read_ahead(read, names: list[str], ahead: int = 6, threads: int = 2) -> Iterator[tuple[str, bytes]]:
    """(IRI, ``read(IRI)``: its N-Triples) of each named graph in order, ``threads`` reading the next few while
    the caller works on one. Oxigraph reads without holding Python's lock (at 10,000 notes one thread read
    every graph from the store in 71 s, two in 41 s), and so do SQLite and zstd, which the index's copies need."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as reader:
        pending = deque()
        for iri in names:
            pending.append((iri, reader.submit(read, iri)))
            if len(pending) > ahead:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def write(graph, fmt: str, out: BinaryIO, include_schema: bool = False, read=None) -> None:
    """Write the vault graph (``LocalGraph`` or ``RemoteGraph``) to ``out`` in ``fmt``, one graph at a time
    (each read by ``read``, IRI → N-Triples, when given: ``copies.graph_source``)."""
    chunks = graph_lines(graph, include_schema, read)
    if fmt == "nt":
        for _, lines in chunks:
            out.write(b"\n".join(lines) + b"\n")
    elif fmt == "ttl":
        _turtle(chunks, out)
    elif fmt == "jsonld":
        _jsonld(chunks, out)
    elif fmt == "graphml":
        _graphml(chunks, out)
    else:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def _turtle(chunks, out: BinaryIO) -> None:
    out.write(b"".join(f"@prefix {p}: <{iri}> .\n".encode() for p, iri in PREFIXES.items()) + b"\n")
    for _, lines in chunks:
        text = ox.serialize(parse_ntriples(lines), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        body = text.split(b"\n", len(PREFIXES))  # Oxigraph writes every prefix first, once per call
        out.write((body[-1] if all(line.startswith(b"@prefix ") for line in body[:-1]) else text) + b"\n")


def _jsonld(chunks, out: BinaryIO) -> None:
    """One document: the prefixes as ``@context``, each graph's node objects (expanded) in ``@graph``."""
    out.write(b'{"@context": ' + json.dumps(PREFIXES, sort_keys=True).encode() + b',\n "@graph": [')
    first = True
    for _, lines in chunks:
        for node in json.loads(ox.serialize(parse_ntriples(lines), format=ox.RdfFormat.JSON_LD)):
            out.write((b"\n  " if first else b",\n  ") + json.dumps(node, ensure_ascii=False, sort_keys=True).encode())
            first = False
    out.write(b"\n]}\n")


def _graphml(chunks, out: BinaryIO) -> None:
    """Nodes are IRIs, edges are object properties; literals become node attributes (several values joined by
    " | ", types by spaces). Opens in Gephi. A note's sections, claims, spans … are written with its graph; the
    note itself (another note may call it a source), and nodes no note owns (a concept, a source, a link's
    target) once at the end, when all their attributes are known."""
    import tempfile

    keys: dict[str, str] = {"label": "d0"}
    later: dict[str, dict[str, str]] = {}  # notes, and nodes no note owns: attributes gathered to the end
    targets: set[str] = set()  # edge targets no note owns
    graphs: set[str] = set()
    with tempfile.TemporaryFile() as body:
        for own, lines in chunks:
            nodes: dict[str, dict[str, str]] = {}
            graphs.add(own)
            for t in parse_ntriples(lines):
                s, name = t.subject.value, _short(t.predicate.value)
                attrs = nodes.setdefault(s, {})
                if isinstance(t.object, ox.Literal):
                    _attr(attrs, name, t.object.value, " | ")
                elif name == "type":
                    _attr(attrs, "type", _short(t.object.value), " ")
                else:
                    body.write(_edge(s, t.object.value, name))
                    targets.add(t.object.value)
            for s, attrs in nodes.items():
                if own.startswith(_NOTE_BASE) and s.startswith(own + "#"):
                    body.write(_node(s, attrs, keys))
                else:
                    for name, value in attrs.items():
                        _attr(later.setdefault(s, {}), name, value, " " if name == "type" else " | ")
        for s in sorted(later):
            body.write(_node(s, later[s], keys))
        for target in sorted(targets - later.keys()):
            if not (target.startswith(_NOTE_BASE) and target.split("#", 1)[0] in graphs):
                body.write(_node(target, {}, keys))
        out.write(b'<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                  b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.'
                  b'org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for name, key in keys.items():
            out.write(f'  <key id="{key}" for="node" attr.name={_quote(name)} attr.type="string" />\n'.encode())
        out.write(b'  <key id="relation" for="edge" attr.name="relation" attr.type="string" />\n'
                  b'  <graph edgedefault="directed">\n')
        body.seek(0)
        while block := body.read(1 << 20):
            out.write(block)
        out.write(b"  </graph>\n</graphml>\n")


def _attr(attrs: dict[str, str], name: str, value: str, sep: str) -> None:
    attrs[name] = f"{attrs[name]}{sep}{value}" if name in attrs else value


def _quote(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(_xml(text))


def _node(iri: str, attrs: dict[str, str], keys: dict[str, str]) -> bytes:
    from xml.sax.saxutils import escape

    attrs = {"label": attrs.get("label") or attrs.get("title") or _short(iri), **attrs}
    data = "".join(f'<data key="{keys.setdefault(k, f"d{len(keys)}")}">{escape(_xml(v))}</data>'
                   for k, v in attrs.items())
    return f"    <node id={_quote(iri)}>{data}</node>\n".encode("utf-8")


def _edge(source: str, target: str, name: str) -> bytes:
    from xml.sax.saxutils import escape

    return (f"    <edge source={_quote(source)} target={_quote(target)} id={_quote(name)}>"
            f"<data key=\"relation\">{escape(_xml(name))}</data></edge>\n").encode("utf-8")


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
