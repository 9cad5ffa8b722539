"""``graph.shacl_core`` gives what pyshacl gives: every result's focus, path, message and severity, as many
times, on note graphs that break every constraint component the shapes use (and every one it runs), on the
demo vault's and a generated vault's notes (as indexed, and with triples dropped and literals spoiled); and
a shape it does not know is left to pyshacl, with the same results."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from conftest import demo_copy, run_kg
from vaultgraph.graph import shapes as shapes_module
from vaultgraph.graph.ntriples import note_triples, rdflib_term
from vaultgraph.graph.shacl_core import Core, note_data
from vaultgraph.graph.shapes import Shapes, Violation, pointed_classes
from vaultgraph.graph.store import open_graph, schema_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Path(__file__).resolve().parent.parent / "schema"
PREFIXES = """
@prefix vg: <https://vaultgraph.dev/ns#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix v: <https://vaultgraph.dev/vault/> . @prefix n: <https://vaultgraph.dev/vault/a.md#> .
@prefix c: <https://vaultgraph.dev/concept/> . @prefix t: <https://example.org/t#> .
"""
# One note's graph breaking each constraint component of the per-note shapes of schema/shapes.ttl.
BROKEN_NOTE = PREFIXES + """
v:a.md a vg:Note ; vg:path "" , "x"@en .
v:b.md a vg:Note .
v:c.md a vg:Note ; vg:path 5 .
n:s1 a vg:Section ; vg:startLine 0 ; vg:endLine "3" ; vg:inNote v:zz ; vg:role vg:Bogus ;
    vg:parentSection v:a.md , n:s2 .
n:s2 a vg:Section ; vg:startLine 9 ; vg:endLine 3 ; vg:inNote v:a.md , v:b.md ; vg:role "x" .
n:s3 a vg:Section ; vg:startLine 2.5 , 3 ; vg:endLine 3.0 ; vg:inNote "lit" .
n:s4 a vg:Section ; vg:startLine "1"^^xsd:int ; vg:endLine -1 ; vg:inNote v:a.md ; vg:role vg:RoleRisks .
n:sp1 a vg:Span ; vg:path "a.md" ; vg:startLine 5 ; vg:endLine 4 ; vg:headingPath "a" , "b" .
n:sp2 a vg:Span ; vg:headingPath 3 ; vg:startLine "1"^^xsd:int ; vg:endLine "01"^^xsd:integer , 1 .
n:s5 a vg:Section ; vg:endLine "x"^^xsd:integer ; vg:inNote v:a.md .
n:c1 a vg:Risk , vg:Solution , vg:Problem ; vg:text "   " ; vg:span v:a.md ; vg:inNote v:a.md ;
    vg:inSection n:s1 , n:sp1 ; vg:about vg:Nope ; vg:affects "cap" ; vg:effectDirection vg:Improves , vg:Other ;
    vg:cites <https://vaultgraph.dev/source/x> ; vg:mitigates n:c2 ; vg:addresses v:a.md ; vg:causes n:c2 .
n:c2 a vg:Claim ; vg:text "" , "two"@en ; vg:span n:sp1 ; vg:inNote v:a.md .
n:c3 a vg:Claim ; vg:text 42 ; vg:span n:sp1 ; vg:inNote v:a.md .
n:c4 a vg:Risk ; vg:text "ok"@ru ; vg:span n:sp1 ; vg:inNote v:a.md ; vg:about c:m , "lit" .
n:c5 a vg:Consequence , vg:Solution ; vg:text "fine" ; vg:span n:sp1 ; vg:inNote v:a.md ; vg:mitigates n:c4 ;
    vg:about c:lora .
c:m a vg:Method ; vg:hasRisk n:c2 , n:c4 , "risk" .
n:m1 a vg:ChatMessage ; vg:author vg:UserAgent , vg:AssistantAgent ; vg:timestamp "1" , "2" .
n:m2 a vg:ChatMessage ; vg:author vg:Other ; vg:inNote v:a.md .
n:r1 a vg:TableRow ; vg:inTable v:a.md .
n:r2 a vg:TableRow .
n:r3 a vg:TableRow ; vg:inTable n:t1 , n:t2 .
n:t1 a vg:Table .
"""
# Shapes using every component shacl_core runs, most without a message (pyshacl's default messages), with
# severities, nested property shapes, sh:or over node and property shapes, and every kind of target.
ALL_COMPONENTS = PREFIXES + """
t:A a sh:NodeShape ; sh:targetClass t:Thing ; sh:targetNode t:absent ;
  sh:property [ sh:path t:p ; sh:minCount 2 ; sh:maxCount 3 ; sh:datatype xsd:integer ; sh:minInclusive 0 ;
                sh:maxInclusive 10 ; sh:minExclusive -1 ; sh:maxExclusive 9 ; sh:lessThan t:q ;
                sh:lessThanOrEquals t:r ] ,
              [ sh:path t:s ; sh:minLength 2 ; sh:maxLength 4 ; sh:pattern "^a" ; sh:flags "i" ;
                sh:languageIn ( "en" "fr" ) ; sh:uniqueLang true ; sh:severity sh:Warning ] ,
              [ sh:path t:k ; sh:nodeKind sh:IRI ; sh:in ( t:x t:y "z" 3 ) ; sh:hasValue t:x ; sh:equals t:e ;
                sh:disjoint t:d ; sh:severity sh:Info ] ,
              [ sh:path t:c ; sh:class t:Thing , t:Other ; sh:message "c must be a thing and an other"@en ] ,
              [ sh:path t:o ; sh:or ( [ sh:datatype xsd:date ] [ sh:class t:Thing ]
                                       [ sh:path t:p ; sh:minCount 1 ] ) ] ,
              [ sh:path t:w ; sh:or ( [ sh:datatype xsd:boolean ; sh:severity sh:Warning ] ) ] ,
              [ sh:path t:v ; sh:or ( [ sh:property [ sh:path t:p ; sh:minCount 5 ; sh:severity sh:Warning ] ] ) ;
                sh:or ( [ sh:property [ sh:path t:p ; sh:minCount 2 ] ] ) ] ,
              [ sh:path t:n ; sh:property [ sh:path t:p ; sh:maxCount 1 ; sh:datatype xsd:decimal ] ] ,
              [ sh:path t:p ; sh:deactivated true ; sh:minCount 9 ] .
t:B a sh:NodeShape ; sh:targetSubjectsOf t:linked ; sh:targetObjectsOf t:linked ; sh:class t:Thing ;
  sh:datatype rdf:langString .
t:C a sh:NodeShape ; sh:targetClass t:Sub ; sh:message "a sub thing needs a t:s"@en ;
  sh:property [ sh:path t:s ; sh:minCount 1 ] ; sh:or ( [ sh:class t:Other ] [ sh:nodeKind sh:Literal ] ) .
"""
ALL_DATA = PREFIXES + """
t:Sub rdfs:subClassOf t:Thing .
t:a a t:Thing ; t:p 1 , 11 , "x" , 5.5 ; t:q 1 ; t:r 0 ; t:s "abc"@en , "Abcde"@fr , "b"@en , <https://x.org/a> ;
    t:k t:y , "z" , 3 , "3"^^xsd:int ; t:e t:y ; t:d "z" ; t:c t:b , "lit" ; t:o "2024-01-01"^^xsd:date ,
    "2024-13-45"^^xsd:date , t:b , t:nothing , "x" ; t:w true , "nope" ; t:n t:b , t:c2 ;
    t:v t:b , t:c2 , t:z , "lit" .
t:b a t:Sub , t:Other ; t:p 3 , 4 ; t:q 5 ; t:r 4 , "4" ; t:k t:x ; t:e t:x ; t:linked t:z .
t:c2 t:p 1.5 , "2.0"^^xsd:decimal .
t:z t:linked "hello"@en .
t:s1 a t:Sub ; t:s "a" .
"""


def _triples(ttl: str) -> list[ox.Triple]:
    return list(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE))


def _pyshacl(data: Graph, shapes: Graph, nodes) -> list[tuple]:
    from pyshacl import validate

    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, inplace=True,
                            use_shapes=[str(s) for s in nodes])
    out = []
    for r in report.subjects(SH.resultSeverity, None):
        path = report.value(r, SH.resultPath)
        out.append((str(report.value(r, SH.focusNode)), str(path) if path else None,
                    str(report.value(r, SH.resultMessage)), str(report.value(r, SH.resultSeverity)).rsplit("#")[-1]))
    return out


def _components(data: Graph, shapes: Graph, nodes) -> set[str]:
    from pyshacl import validate

    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, use_shapes=nodes)
    return {str(c).rsplit("#")[-1] for c in report.objects(None, SH.sourceConstraintComponent)}


def _rdflib(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return g


def test_every_component_it_runs_gives_pyshacls_results_default_messages_and_severities():
    shapes = Graph().parse(data=ALL_COMPONENTS, format="turtle")
    nodes = sorted(shapes.subjects(RDF.type, SH.NodeShape))
    core = Core(shapes, nodes)
    assert core.slow == [] and len(core.fast) == 3
    triples = _triples(ALL_DATA)
    data, _ = note_data(note_triples(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)), {}, [],
                        Graph().namespace_manager)
    ours, theirs = core.validate(data), _pyshacl(_rdflib(triples), shapes, nodes)
    assert Counter(ours) == Counter(theirs)
    assert len(theirs) > 40 and {r[3] for r in theirs} == {"Violation", "Warning", "Info"}
    assert any(m.startswith("Less than 2 values on") for _, _, m, _ in ours)  # pyshacl's default messages
    used = _components(_rdflib(triples), shapes, nodes)
    assert {f"{n}ConstraintComponent" for n in (
        "MinCount", "MaxCount", "Class", "Datatype", "NodeKind", "In", "HasValue", "MinInclusive", "MaxInclusive",
        "MinExclusive", "MaxExclusive", "MinLength", "MaxLength", "Pattern", "LanguageIn", "UniqueLang",
        "Equals", "Disjoint", "LessThan", "LessThanOrEquals", "Or")} <= used


def _reference(shapes: Shapes, lines: list[bytes]) -> list[Violation]:
    """A note's results as graph.shapes got them before shacl_core: pyshacl over an rdflib graph of the note,
    the types of the nodes it points at and the class hierarchy."""
    g = Graph()
    pointed = set()
    for t in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES):
        g.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
        if isinstance(t.object, ox.NamedNode) and t.predicate != ox.NamedNode(str(RDF.type)):
            pointed.add(t.object.value)
    for node in pointed:
        for kind in shapes.types.get(node, ()):
            g.add((URIRef(node), RDF.type, kind))
    for s, o in shapes.hierarchy:
        g.add((s, RDFS.subClassOf, o))
    return sorted((Violation(*r) for r in _pyshacl(g, shapes.shapes, shapes.per_note)),
                  key=lambda v: (v.severity, v.focus, v.message, v.path or ""))


def _parsed(lines: list[bytes]) -> list[tuple]:
    return note_triples(b"\n".join(lines))


def _lines(ttl: str) -> list[bytes]:
    return ox.serialize(_triples(ttl), format=ox.RdfFormat.N_TRIPLES).splitlines()


def test_a_note_breaking_every_per_note_shape_gets_pyshacls_results():
    shapes = Shapes({"https://vaultgraph.dev/concept/m": {"https://vaultgraph.dev/ns#Method"}})
    assert shapes.core.slow == [] and len(shapes.core.fast) == len(shapes.per_note)
    lines = _lines(BROKEN_NOTE)
    found, pointed = shapes.note(_parsed(lines))
    assert found == _reference(shapes, lines)
    assert len(found) > 50 and "https://vaultgraph.dev/concept/m" in pointed
    used = _components(_rdflib(_triples(BROKEN_NOTE)) + shapes.schema, shapes.shapes, shapes.per_note)
    assert {f"{n}ConstraintComponent" for n in ("MinCount", "MaxCount", "Class", "Datatype", "In", "Or",
                                                 "MinInclusive", "MinLength", "Pattern", "LessThanOrEquals")} <= used


def _spoiled(lines: list[bytes], seed: int) -> list[bytes]:
    """A note's graph with every fifth triple gone and some literals spoiled (as a faulty extractor would)."""
    out = []
    for i, line in enumerate(lines):
        if (i + seed) % 5 == 2:
            continue
        if (i + seed) % 3 == 0:
            line = line.replace(b'"^^<http://www.w3.org/2001/XMLSchema#integer>',
                                b'0"^^<http://www.w3.org/2001/XMLSchema#decimal>')
        if (i + seed) % 4 == 0 and b"#text> " in line:
            line = line.split(b"#text> ")[0] + b'#text> " " .'
        if (i + seed) % 7 == 0:
            line = line.replace(b"#Claim>", b"#Risk>").replace(b"#inNote>", b"#inSection>")
        out.append(line)
    return out


def _vault_notes(vault: Path) -> tuple[Shapes, list[list[bytes]]]:
    graph = open_graph(vault, readonly=True)
    names = [n for n in graph.graph_names() if n != schema_graph()]
    notes = [[line for line in graph.graph_ntriples(n).split(b"\n") if line] for n in names]
    shapes = Shapes(graph.instances(pointed_classes()))
    del graph
    return shapes, notes


@pytest.mark.parametrize("vault", ["demo", "generated"])
def test_every_note_of_a_vault_as_indexed_and_spoiled_gets_pyshacls_results(vault, tmp_path):
    if vault == "demo":
        root = demo_copy(tmp_path / "vault", index=True)
    else:
        import vaultgen

        root = tmp_path / "gen"
        vaultgen.generate(root, 60, seed=3)
        run_kg("index", str(root))
    shapes, notes = _vault_notes(root)
    assert len(notes) >= 40
    found = 0
    for lines in itertools.chain(notes, (_spoiled(n, i) for i, n in enumerate(notes))):
        ours = shapes.note(_parsed(lines))[0]
        assert ours == _reference(shapes, lines)
        found += len(ours)
    assert found > 100


UNKNOWN = """
vgsh:QualifiedClaimShape a sh:NodeShape ; sh:targetClass vg:Claim ;
    sh:property [ sh:path vg:span ; sh:qualifiedValueShape [ sh:class vg:Span ] ; sh:qualifiedMinCount 2 ] ;
    sh:node [ sh:property [ sh:path vg:text ; sh:maxLength 3 ] ] .
"""


def test_a_shape_with_a_component_it_does_not_know_is_left_to_pyshacl(tmp_path, monkeypatch):
    schema = tmp_path / "schema"
    schema.mkdir()
    for f in SCHEMA.glob("*.ttl"):
        (schema / f.name).write_bytes(f.read_bytes())
    with (schema / "shapes.ttl").open("a", encoding="utf-8") as f:
        f.write(UNKNOWN)
    monkeypatch.setattr(shapes_module, "schema_dir", lambda: schema)
    shapes = Shapes({})
    assert [str(s) for s in shapes.core.slow] == ["https://vaultgraph.dev/shapes#QualifiedClaimShape"]
    lines = _lines(BROKEN_NOTE)
    found = shapes.note(_parsed(lines))[0]
    assert found == _reference(shapes, lines)
    assert {v.focus for v in found if "QualifiedValueShape" in v.message or "Value does not conform" in v.message}


CONCEPTS = PREFIXES + """
c:a a skos:Concept ; skos:prefLabel "a"@en , "b"@en ; skos:altLabel "a"@en ; skos:broader c:b ;
    skos:inScheme vg:MethodScheme .
c:b a vg:Method ; skos:prefLabel "б"@ru ; skos:broader c:c ; skos:related c:a ; skos:inScheme vg:CapabilityScheme .
c:c a skos:Concept ; skos:prefLabel "c" ; skos:broader c:a ; skos:definition "d"@en , "e"@en .
c:d a vg:Capability ; skos:inScheme vg:MethodScheme ; skos:related c:e ; skos:broader c:e , c:nothing .
c:e a skos:Concept ; skos:prefLabel "e"@en , "е"@ru ; skos:inScheme vg:MethodScheme .
"""


def test_the_shapes_on_concepts_parsing_each_query_once_give_pyshacls_results():
    shapes = Shapes({})
    lines = _lines(CONCEPTS)
    found = shapes.concepts(lines)
    plain = Graph()
    for triple in shapes.schema:
        plain.add(triple)
    for t in _triples(CONCEPTS):
        plain.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    assert Counter(found) == Counter(Violation(*r) for r in _pyshacl(plain, shapes.shapes, shapes.shared))
    messages = {v.message for v in found}
    assert "skos:broader hierarchy contains a cycle through this concept." in messages
    assert any(m.startswith("skos:related must not link") for m in messages)
