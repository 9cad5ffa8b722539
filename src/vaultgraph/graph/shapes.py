"""SHACL validation of the vault graph against ``schema/shapes.ttl`` (pyshacl)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from ..resources import schema_dir
from .export import _sorted_triples, to_rdflib


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str


def validate(quads: Iterable[ox.Quad], inference: str = "none") -> list[Violation]:
    """Violations of the shapes (warnings included, with their severity).

    The graph states every type it uses (a Risk is also typed Claim), so RDFS inference is not needed
    to reach the shapes' targets; it is available (``inference="rdfs"``) but costs ~20× the time."""
    from pyshacl import validate as shacl
    from rdflib import Graph, Namespace

    data = to_rdflib(_sorted_triples(quads))
    for name in ("vaultgraph.ttl", "concepts.ttl"):
        data.parse(schema_dir() / name, format="turtle")
    shapes = Graph().parse(schema_dir() / "shapes.ttl", format="turtle")
    _, report, _ = shacl(data, shacl_graph=shapes, inference=inference, allow_warnings=True)
    sh = Namespace("http://www.w3.org/ns/shacl#")
    out = []
    for result in report.subjects(sh.resultSeverity, None):
        out.append(Violation(
            str(report.value(result, sh.focusNode)),
            str(report.value(result, sh.resultPath)) if report.value(result, sh.resultPath) else None,
            str(report.value(result, sh.resultMessage)),
            str(report.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
        ))
    return sorted(out, key=lambda v: (v.severity, v.focus, v.message))
