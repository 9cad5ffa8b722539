"""SHACL Core over one note's graph held in plain dicts, judged by pyshacl's own constraint components.

What made pyshacl cost ~50 ms a note was not its judging of values but the rest: an rdflib graph built per
note, the focus and value nodes found by rdflib lookups, every constraint component built again for every
focus node (and for every value of an ``sh:or``), and a described report for each failed ``sh:or`` branch
that is then thrown away. Here pyshacl reads the shapes once (its ``ShapesGraph``, ``Shape`` and component
objects, built once per process) and its components still decide each value and write each result's message
(default messages included); this module finds the focus and value nodes in dicts of the note's triples
(``NoteData``), runs ``sh:property`` and ``sh:or`` itself as pyshacl does (a shape conforms unless a result
below it is a Violation: pyshacl runs with warnings allowed), and has a component's report described only
when it is reported.

A shape using anything else — ``sh:node``, ``sh:and``/``sh:not``/``sh:xone``, qualified value shapes,
``sh:closed``, SPARQL-based or custom components, a path that is not a single IRI, a recursion — is left to
pyshacl whole (``Core.slow``), so an edited ``shapes.ttl`` is still checked as before.
``tests/test_shacl_core.py`` holds both to the same results. (pyrudof 0.3.35, a SHACL engine in Rust, was
tried first: it drops ``sh:message`` from ``sh:or``, ``sh:lessThanOrEquals`` and qualified-shape results,
words its own messages, compares ``xsd:int`` with ``xsd:integer`` otherwise, and was ~4× faster only.)
"""

from __future__ import annotations

from rdflib import URIRef  # this module is imported only by a check

from .ntriples import iri as _iri

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
# Components whose judging reads no more of the data graph than ``NoteData`` answers (``objects``,
# ``transitive_objects``): run as pyshacl's own code. sh:property and sh:or are run here.
LEAVES = frozenset(f"{n}ConstraintComponent" for n in (
    "MinCount", "MaxCount", "Class", "Datatype", "NodeKind", "In", "HasValue", "MinInclusive", "MaxInclusive",
    "MinExclusive", "MaxExclusive", "MinLength", "MaxLength", "Pattern", "LanguageIn", "UniqueLang", "Equals",
    "Disjoint", "LessThan", "LessThanOrEquals"))
# Those of them that judge each value on its own (its results a function of the value alone): judged once per
# value per process, the same line numbers and paths recurring in every note.
PER_VALUE = frozenset(f"{n}ConstraintComponent" for n in (
    "Datatype", "NodeKind", "In", "MinInclusive", "MaxInclusive", "MinExclusive", "MaxExclusive", "MinLength",
    "MaxLength", "Pattern", "LanguageIn"))


class Unsupported(Exception):
    """A shape this module does not run: pyshacl runs it."""


class NoteData:
    """One note's graph as pyshacl's components read it. ``out``: subject IRI → predicate IRI → its objects as
    rdflib terms, each once (as an rdflib graph would hold them)."""

    def __init__(self, out: dict[str, dict[str, list]], by_type: dict[str, list[str]], namespace_manager):
        self.out, self.by_type = out, by_type  # by_type: class IRI → the subjects typed with it
        self.namespace_manager = namespace_manager
        self._supers: dict = {}
        self._below: dict[str, list[str]] | None = None

    def objects(self, subject, predicate):
        if not isinstance(subject, URIRef):
            return ()
        return self.out.get(str(subject), _NONE).get(str(predicate), ())

    def transitive_objects(self, subject, predicate):
        if str(predicate) != _SUBCLASS:
            return _closure(self, subject, predicate)
        found = self._supers.get(subject)
        if found is None:
            found = self._supers[subject] = _closure(self, subject, predicate)
        return found

    def subjects_typed(self, classes: set[str]) -> set[str]:
        return {s for c in classes for s in self.by_type.get(c, ())}

    def subclasses(self, cls) -> set[str]:
        """``cls`` and every class below it by rdfs:subClassOf in this graph (rdflib's transitive_subjects)."""
        if self._below is None:
            self._below = {}
            for s, props in self.out.items():
                for o in props.get(_SUBCLASS, ()):
                    self._below.setdefault(str(o), []).append(s)
        found, todo = {str(cls)}, [str(cls)]
        while todo:
            for s in self._below.get(todo.pop(), ()):
                if s not in found:
                    found.add(s)
                    todo.append(s)
        return found


def _closure(data: NoteData, subject, predicate) -> list:
    seen, order, todo = set(), [], [subject]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        todo.extend(reversed(list(data.objects(node, predicate))))
    return order


def note_data(triples, extra_types: dict[str, set], hierarchy: list[tuple], namespace_manager,
              reads: frozenset | None = None):
    """``NoteData`` of a note's triples (as ``ntriples.note_triples`` gives them), plus ``extra_types`` (node →
    rdflib classes) of the nodes they point at and the ontology's ``hierarchy`` ((class, superclass) rdflib
    pairs); and the pointed nodes. With ``reads`` (``Core.reads``), only the triples of those predicates are
    kept."""
    out: dict[str, dict[str, list]] = {}
    by_type: dict[str, list[str]] = {}
    pointed: set[str] = set()
    for s, p, o, _ in triples:  # each triple once: an IRI is held once as it is; literals rdflib may make equal
        named = type(o) is str  # an IRI (a literal is an rdflib Literal)
        if reads is not None and p not in reads:
            if named:
                pointed.add(o)
            continue
        props = out.get(s)
        if props is None:
            props = out[s] = {}
        held = props.get(p)
        if held is None:
            held = props[p] = []
        if named:
            if p == _RDF_TYPE:
                by_type.setdefault(o, []).append(s)
            else:
                pointed.add(o)
            held.append(_iri(o))
        elif o not in held:
            held.append(o)
    for node in pointed:
        for k in extra_types.get(node, ()):
            held = out.setdefault(node, {}).setdefault(_RDF_TYPE, [])
            if k not in held:
                held.append(k)
                if isinstance(k, URIRef):
                    by_type.setdefault(str(k), []).append(node)
    for s, o in hierarchy:
        held = out.setdefault(str(s), {}).setdefault(_SUBCLASS, [])
        if o not in held:
            held.append(o)
    return NoteData(out, by_type, namespace_manager), pointed


_EXECUTOR = None
_NONE: dict = {}


class _Shape:
    """A pyshacl ``Shape`` ready to run: its path (None for a node shape), the components pyshacl judges
    values with, its property shapes, and its ``sh:or`` lists (component, [sub-shapes of each list])."""

    __slots__ = ("shape", "off", "path", "leaves", "per_value", "props", "ors", "lenient")

    def __init__(self, shape, path):
        from pyshacl.consts import SH_Info, SH_Warning

        self.shape, self.off, self.path = shape, shape.deactivated, path
        self.leaves, self.per_value, self.props, self.ors = [], [], [], []
        self.lenient = shape.severity in (SH_Info, SH_Warning)  # such a shape conforms whatever it finds


class Core:
    """The shapes named ``nodes`` of pyshacl's reading of ``shapes_graph``: ``fast`` those this module runs,
    ``slow`` (shape nodes) those left to pyshacl; ``reads``: the predicates the fast ones look at (None: all,
    for the slow ones)."""

    def __init__(self, shapes_graph, nodes: list):
        from pyshacl.shapes_graph import ShapesGraph

        global _EXECUTOR
        _EXECUTOR = _EXECUTOR or _executor()
        self.sg = ShapesGraph(shapes_graph)
        shapes = self.sg.shapes_from_uris(list(nodes))  # as pyshacl's use_shapes reads them
        self.fast, self.slow = [], []
        self._reads = {_RDF_TYPE, _SUBCLASS}
        for node, shape in zip(nodes, shapes):
            try:
                targets = _targets(shape)
                self.fast.append((self._compile(shape, ()), targets))
                self._reads.update(targets[2], targets[3])
            except Unsupported:
                self.slow.append(node)
        self.reads = None if self.slow else frozenset(self._reads)

    def _compile(self, shape, stack: tuple) -> _Shape:
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
        from pyshacl.errors import ConstraintLoadWarning

        if shape in stack or len(stack) > 10:
            raise Unsupported("recursion")
        if shape.find_custom_constraints():
            raise Unsupported("custom constraint component")
        path = shape.path() if shape.is_property_shape else None
        if path is not None and not isinstance(path, URIRef):
            raise Unsupported("path other than one IRI")
        out = _Shape(shape, None if path is None else str(path))
        if out.off:
            return out
        if path is not None:
            self._reads.add(str(path))
        kinds = []
        for p, _ in self.sg.predicate_objects(shape.node):
            if p in ALL_CONSTRAINT_PARAMETERS and CONSTRAINT_PARAMETERS_MAP[p] not in kinds:
                kinds.append(CONSTRAINT_PARAMETERS_MAP[p])
        for kind in kinds:
            try:
                c = kind(shape)
            except ConstraintLoadWarning:  # pyshacl skips such a component
                continue
            except Exception as e:  # pyshacl raises it: let it
                raise Unsupported("component does not load") from e
            name = kind.constraint_name()
            if name == "PropertyConstraintComponent":
                for node in c.property_shapes:
                    if self.sg.is_filtered_out_shape(node):
                        continue
                    found = shape.get_other_shape(node)
                    if not found or not found.is_property_shape:
                        raise Unsupported("sh:property that is not a property shape")
                    out.props.append(self._compile(found, (*stack, shape)))
            elif name == "OrConstraintComponent":
                lists = []
                for head in c.or_list:
                    members = set(self.sg.graph.items(head))
                    if not members:
                        raise Unsupported("sh:or that is not a list")
                    subs = []
                    for node in members:
                        if self.sg.is_filtered_out_shape(node):
                            continue
                        found = shape.get_other_shape(node)
                        if not found:
                            raise Unsupported("sh:or member that is not a shape")
                        subs.append(self._compile(found, (*stack, shape)))
                    lists.append(subs)
                out.ors.append((c, lists))
            elif name in LEAVES:
                self._reads.update(str(p) for p in getattr(c, "property_compare_set", ()))
                c.make_v_result = _Marker(c)
                if name in PER_VALUE:
                    out.per_value.append((c, {}))
                else:
                    out.leaves.append(c)
            else:
                raise Unsupported(name)
        return out

    def validate(self, data: NoteData) -> list[tuple]:
        """(focus, path, message, severity) of every result of the fast shapes on ``data``, all as strings."""
        out = []
        for shape, targets in self.fast:
            foci = _focus_nodes(data, targets)
            if foci:
                out += [_described(m, data) for marks in _run(shape, data, foci).values() for m in marks]
        return out


def _executor():
    from pyshacl.pytypes import SHACLExecutor

    return SHACLExecutor(allow_warnings=True)  # as graph.shapes runs pyshacl: warnings allowed, rdflib mode


class _Marker:
    """Stands for a component's ``make_v_result``: remembers what to describe, if it is reported."""

    __slots__ = ("component",)

    def __init__(self, component):
        self.component = component

    def __call__(self, datagraph, focus, **kwargs):
        return self.component, focus, kwargs


def _run(s: _Shape, data: NoteData, foci: list) -> dict:
    """Each of ``foci`` → the marks (component, focus, make_v_result's arguments) of validating it against
    ``s``, as pyshacl's ``Shape.validate`` gives them: a value met twice (under two focus nodes) twice."""
    out = {f: [] for f in foci}
    if s.off:
        return out
    if s.path is None:
        values = {f: (f,) for f in foci}
    else:
        values = {f: data.objects(f, s.path) for f in foci}
    for c in s.leaves:
        for mark in c.evaluate(_EXECUTOR, data, values, [])[1]:
            out[mark[1]].append(mark)
    for c, judged in s.per_value:  # judged: value → make_v_result's arguments of each result it gets
        for f, vs in values.items():
            for v in vs:
                found = judged.get(v)
                if found is None:
                    if len(judged) > 100_000:
                        judged.clear()
                    found = judged[v] = [m[2] for m in c.evaluate(_EXECUTOR, data, {f: (v,)}, [])[1]]
                for kwargs in found:
                    out[f].append((c, f, kwargs))
    if not s.props and not s.ors:
        return out
    distinct = list(dict.fromkeys(v for vs in values.values() for v in vs))
    if not distinct:
        return out
    for prop in s.props:
        below = _run(prop, data, distinct)
        for f, vs in values.items():
            for v in vs:
                out[f] += below[v]
    for c, lists in s.ors:
        for subs in lists:
            passed = dict.fromkeys(distinct, False)
            for sub in subs:
                below = {} if sub.lenient else _run(sub, data, distinct)
                for v in distinct:
                    passed[v] = passed[v] or not any(_severe(m) for m in below.get(v, ()))
            for f, vs in values.items():
                out[f] += [(c, f, {"value_node": v}) for v in vs if not passed[v]]
    return out


def _severe(mark) -> bool:
    from pyshacl.consts import SH_Info, SH_Warning

    return mark[0].shape.severity not in (SH_Info, SH_Warning)


def _described(mark, data: NoteData) -> tuple:
    """The result pyshacl writes for a mark: (focus, path or None, message, severity's local name)."""
    from pyshacl.consts import SH_focusNode, SH_resultMessage, SH_resultPath, SH_resultSeverity

    c, focus, kwargs = mark
    _, _, triples = type(c).make_v_result(c, data, focus, **kwargs)
    found = {}
    for _, p, o in triples:
        if p not in found:
            found[p] = o[1] if isinstance(o, tuple) else o
    path = found.get(SH_resultPath)
    return (str(found[SH_focusNode]), str(path) if path else None, str(found.get(SH_resultMessage)),
            str(found[SH_resultSeverity]).rsplit("#", 1)[-1])


def _targets(shape) -> tuple:
    nodes, classes, implicit, objects_of, subjects_of = shape.target()
    return list(nodes), [*classes, *implicit], [str(p) for p in objects_of], [str(p) for p in subjects_of]


def _focus_nodes(data: NoteData, targets: tuple) -> list:
    """The focus nodes of a shape's targets in ``data``, as pyshacl's ``Shape.focus_nodes`` finds them."""
    nodes, classes, objects_of, subjects_of = targets
    found = set(nodes)
    for c in classes:
        found.update(_iri(s) for s in data.subjects_typed(data.subclasses(c)))
    for p in subjects_of:
        found.update(_iri(s) for s, props in data.out.items() if props.get(p))
    for p in objects_of:
        found.update(o for props in data.out.values() for o in props.get(p, ()))
    return list(found)
