"""``graph.ntriples.note_triples`` reads a note graph's N-Triples as pyoxigraph's parser does, whichever way
a line is read: Oxigraph's own lines split by hand, anything else (escapes, blank nodes, another writer's
spacing, explicit ``xsd:string``) by the parser."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from vaultgraph.graph.ntriples import note_triples, rdflib_term

V = "https://vaultgraph.dev/vault/%D0%97%D0%B0%D0%BC%D0%B5%D1%82%D0%BA%D0%B8/a%20b.md"
VG = "https://vaultgraph.dev/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TRIPLES = [
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "linksTo"), ox.NamedNode(V + "#L3-4-x")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "path"), ox.Literal("Заметки/a b.md")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "title"), ox.Literal("LoRA > QLoRA <maybe>", language="en")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "startLine"), ox.Literal("12", datatype=ox.NamedNode(XSD + "integer"))),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "cost"), ox.Literal("0.50", datatype=ox.NamedNode(XSD + "decimal"))),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "text"), ox.Literal('a "quoted" claim \\ with\nnew\tlines\r')),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "text"), ox.Literal("control \x01 and \x7f, emoji 😀")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "text"), ox.Literal("ends with a quote\"", language="ru")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "text"), ox.Literal("> <not an iri> .")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "empty"), ox.Literal("")),
    ox.Triple(ox.NamedNode(V), ox.NamedNode(VG + "flag"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
]


def _expected(data: bytes) -> list[tuple]:
    return [(t.subject.value, t.predicate.value, t.object.value if isinstance(t.object, ox.NamedNode)
             else rdflib_term(t.object)) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def _read(data: bytes) -> list[tuple]:
    return [(s, p, o) for s, p, o, _ in note_triples(data)]


def test_oxigraphs_lines_read_as_its_parser_reads_them():
    data = ox.serialize(TRIPLES, format=ox.RdfFormat.N_TRIPLES)
    read = note_triples(data)
    assert [(s, p, o) for s, p, o, _ in read] == _expected(data)
    assert [line.encode() for *_, line in read] == data.splitlines()  # each line kept as written
    kinds = {p.rsplit("#", 1)[1]: o for _, p, o, _ in read}
    assert type(kinds["linksTo"]) is str and isinstance(kinds["startLine"], Literal)
    assert kinds["startLine"].datatype == URIRef(XSD + "integer") and kinds["path"].datatype is None
    texts = [str(o) for _, p, o, _ in read if p == VG + "text"]
    assert 'a "quoted" claim \\ with\nnew\tlines\r' in texts and "ends with a quote\"" in texts


def test_another_writers_lines_mean_the_same():
    other = "\n".join([
        f'<{V}>\t<{VG}path>  "x"^^<{XSD}string> .',  # explicit xsd:string, tabs, two spaces
        f'<{V}> <{VG}text> "caf\\u00E9 \\U0001F600" .',  # escaped characters
        f'<{V}> <{VG}title> "hi"@EN-gb .',
        f'<{V}> <{VG}startLine> "7"^^<{XSD}integer>.',  # no space before the dot
        "",
    ]).encode()
    assert _read(other) == _expected(other)
    assert _read(other)[1][2] == Literal("café 😀") and _read(other)[0][2] == Literal("x")


@pytest.mark.parametrize("line", [
    f"_:b0 <{VG}text> \"x\" .", f"<{V}> <{VG}about> _:b1 .", f"<{V}> <{VG}text> .", "not n-triples at all"])
def test_a_blank_node_or_a_broken_line_is_an_error(line):
    with pytest.raises((ValueError, SyntaxError)):
        note_triples(line.encode())


def test_nothing_gives_nothing():
    assert note_triples(b"") == [] and note_triples(b"\n\n") == []
