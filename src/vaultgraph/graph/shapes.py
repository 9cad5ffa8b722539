"""SHACL validation against ``schema/shapes.ttl`` (pyshacl), one note's graph at a time.

Validating the whole vault at once meant holding it in rdflib: ~311 s and 8.7 GiB at 10,000 notes. Each
note's named graph is validated on its own instead, which gives the same results because of how
``graph.build`` writes the graph:

* every triple about a note's own nodes (the note, its sections, claims, spans, messages: its IRI and its
  ``#…`` fragments) is in that note's graph, and so are the nodes they point at that a shape checks the class
  of — its own claims, sections and spans — except concepts and sources: a concept is typed by the schema or
  by the note that defines it, a source by each note that cites it (a claim citing its own note is satisfied
  by another note's citation of it). So a note is validated with its graph, the ontology's class hierarchy and
  the types of the nodes it points at as the whole vault states them (``types``: the schema's, plus every
  note's ``rdf:type`` of concepts and sources); a stored result holds while those types are unchanged;
* ``vg:hasRisk`` (concept → risk claim, ``MethodRiskShape``) is written beside the risk it points at, and the
  shape checks each value on its own (``sh:class``): each note checks its own;
* the shapes that look across notes are those on concepts (``ConceptShape``: one prefLabel per language over
  every note that labels the concept, no ``skos:broader`` cycle through several notes; the bilingual warning;
  each concept class in its scheme). They run once over what every note says of concepts (``shared_lines``)
  with the ontology and concept scheme — a few thousand triples at 10,000 notes.

``tests/test_check_stream.py`` checks the results against pyshacl over the whole exported graph.
"""

from __future__ import annotations

from dataclasses import dataclass


from ..resources import SCHEMA_FILES, schema_dir
from .store import parse_ntriples

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SH = "http://www.w3.org/ns/shacl#"
_HAS_RISK = "https://vaultgraph.dev/ns#hasRisk"
_NOTE_BASE = "https://vaultgraph.dev/vault/"
_SOURCE_BASE = "https://vaultgraph.dev/source/"


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str


class Shapes:
    """The shapes, split into those checked per note and those on concepts, and what a note's check needs
    besides its own graph. ``types``: node → the classes the notes' graphs give it (``pointed_classes``)."""

    def __init__(self, types: dict[str, list[str]]):
        from rdflib import Graph, URIRef
        from rdflib.namespace import RDF, RDFS, SH

        self.shapes = Graph().parse(schema_dir() / "shapes.ttl", format="turtle")
        self.schema = Graph()
        for name in SCHEMA_FILES:
            self.schema.parse(schema_dir() / name, format="turtle")
        concept = URIRef(_SKOS + "Concept")
        classes = {concept, *self.schema.transitive_subjects(RDFS.subClassOf, concept)}
        self.shared, self.per_note = [], []
        for shape in sorted(set(self.shapes.subjects(RDF.type, SH.NodeShape))):
            on_concepts = any(c in classes for c in self.shapes.objects(shape, SH.targetClass)) or any(
                p == URIRef(_SKOS + "inScheme") for p in self.shapes.objects(shape, SH.targetSubjectsOf))
            (self.shared if on_concepts else self.per_note).append(shape)
        self.hierarchy = [(s, o) for s, o in self.schema.subject_objects(RDFS.subClassOf)]
        self.types: dict[str, set] = {}  # node → its rdf:type objects, from the schema and the notes
        for s, o in self.schema.subject_objects(RDF.type):
            self.types.setdefault(str(s), set()).add(o)
        for node, kinds in types.items():
            self.types.setdefault(node, set()).update(URIRef(k) for k in kinds)
        from .shacl_core import Core

        self.core = Core(self.shapes, self.per_note)
        self._names = Graph().namespace_manager  # as pyshacl sees a note's rdflib graph's, for its messages

    def note(self, triples: list) -> tuple[list[Violation], set[str]]:
        """Results of the per-note shapes on one note's graph (``ntriples.note_triples``), and the nodes it
        points at. ``graph.shacl_core`` runs the shapes it can; pyshacl the others, on an rdflib graph of the same."""
        from .shacl_core import note_data

        data, pointed = note_data(triples, self.types, self.hierarchy, self._names, self.core.reads)
        found = [Violation(*r) for r in self.core.validate(data)]
        if self.core.slow:
            found += self._run(_rdflib_graph(data), self.core.slow)
        return _sorted(found), pointed

    def concepts(self, lines: list[bytes]) -> list[Violation]:
        """Results of the shapes on concepts, over what the notes say of concepts plus the schema."""
        from .ntriples import rdflib_term

        data = query_once_graph()
        for triple in self.schema:
            data.add(triple)
        for t in parse_ntriples(lines):
            data.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
        return self._run(data, self.shared)

    def _run(self, data, shapes) -> list[Violation]:
        from pyshacl import validate as shacl
        from rdflib import Namespace

        if not shapes:
            return []
        _, report, _ = shacl(data, shacl_graph=self.shapes, inference="none", allow_warnings=True, inplace=True,
                             use_shapes=[str(s) for s in shapes])
        sh = Namespace(_SH)
        out = []
        for result in report.subjects(sh.resultSeverity, None):
            path = report.value(result, sh.resultPath)
            out.append(Violation(str(report.value(result, sh.focusNode)), str(path) if path else None,
                                 str(report.value(result, sh.resultMessage)),
                                 str(report.value(result, sh.resultSeverity)).rsplit("#", 1)[-1]))
        return _sorted(out)


def _sorted(found: list[Violation]) -> list[Violation]:
    return sorted(found, key=lambda v: (v.severity, v.focus, v.message, v.path or ""))


def _rdflib_graph(data):
    """The rdflib graph of a note's ``shacl_core.NoteData`` (for the shapes pyshacl runs)."""
    from rdflib import Graph, URIRef

    graph = Graph()
    add = graph.add
    for s, props in data.out.items():
        subject = URIRef(s)
        for p, objects in props.items():
            predicate = URIRef(p)
            for o in objects:
                add((subject, predicate, o))
    return graph


def shared_lines(iri: str, triples: list) -> list[str]:
    """The N-Triples lines of a note's graph (``ntriples.note_triples``) the concept shapes look at: those
    about nodes that are neither the note's own, another note, nor a source (concepts, in practice),
    ``vg:hasRisk`` left out (checked per note)."""
    return [line for s, p, _, line in triples if not s.startswith((iri, _NOTE_BASE, _SOURCE_BASE)) and p != _HAS_RISK]


def pointed_classes() -> list[str]:
    """The classes of the nodes no single note holds whole (skos:Concept and its subclasses, vg:Source): a
    note's check needs the types the other notes give them."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDFS

    schema = Graph().parse(schema_dir() / "vaultgraph.ttl", format="turtle")
    concept = URIRef(_SKOS + "Concept")
    return sorted({str(concept), "https://vaultgraph.dev/ns#Source",
                   *(str(c) for c in schema.transitive_subjects(RDFS.subClassOf, concept))})


_ONCE = None


def query_once_graph():
    """An empty rdflib graph that parses each SPARQL query text once: pyshacl hands a SPARQL constraint's
    query text to the data graph again for each focus node, and rdflib parses it each time (~8 ms, the
    shapes on concepts' main cost). The same parse (``prepareQuery`` with the graph's prefixes) is kept."""
    global _ONCE
    if _ONCE is None:
        from rdflib import Graph
        from rdflib.plugins.sparql import prepareQuery

        class QueryOnceGraph(Graph):
            def query(self, query_object, processor="sparql", result="sparql", initNs=None, initBindings=None,
                      use_store_provided=True, **kwargs):
                if isinstance(query_object, str) and processor == "sparql" and not kwargs:
                    ns = initNs or dict(self.namespaces())
                    key = (query_object, tuple(sorted((k, str(v)) for k, v in ns.items())))
                    cache = self.__dict__.setdefault("_parsed", {})
                    if key not in cache:
                        cache[key] = prepareQuery(query_object, initNs=ns)
                    query_object = cache[key]
                return super().query(query_object, processor, result, initNs, initBindings, use_store_provided,
                                     **kwargs)

        _ONCE = QueryOnceGraph
    return _ONCE()
