"""``kg check`` as records: SHACL results placed at the file and line they come from, unresolved links,
encoding repairs, notes with problems and vault health. The CLI only renders a ``CheckReport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

_VG = "https://vaultgraph.dev/ns#"


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result, where it is in the vault (``path``/``line`` None for a concept of the scheme)."""

    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    property: str | None  # the property the result is on, as a short name ("vg:about")
    path: str | None
    line: int | None
    end_line: int | None
    focus: str  # the node's IRI (kept for --json and SPARQL)

    def where(self) -> str:
        if self.path is None:
            return _short(self.focus)
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}" + (f"-{self.end_line}" if self.end_line not in (None, self.line) else "")

    def to_dict(self) -> dict:
        return {"severity": self.severity, "message": self.message, "property": self.property, "path": self.path,
                "line": self.line, "end_line": self.end_line, "focus": self.focus}


@dataclass(frozen=True)
class CheckReport:
    vault: str
    shapes: tuple[ShapeResult, ...]
    unresolved_links: tuple[dict, ...]
    repairs: tuple[dict, ...]
    problems: tuple[dict, ...]
    health: dict[str, list[dict]] = field(default_factory=dict)
    validated: tuple[int, int] = (0, 0)  # note graphs validated by this check, of all (the others' results stored)

    @property
    def violations(self) -> tuple[ShapeResult, ...]:
        return tuple(r for r in self.shapes if r.severity == "Violation")

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings that break the shapes (health findings are warnings)."""
        return 0 if self.conforms else 1

    def to_dict(self) -> dict:
        return {"vault": self.vault, "conforms": self.conforms, "violations": [r.to_dict() for r in self.shapes],
                "unresolved_links": list(self.unresolved_links), "repairs": list(self.repairs),
                "problems": list(self.problems), **self.health,
                "shapes_checked": {"notes": self.validated[1], "validated": self.validated[0]}}


def check_vault(root: Path, endpoint: str | None = None) -> CheckReport:
    """Validate the graph the index last committed and gather the vault's other findings (in a process of
    their own meanwhile: at 10,000 notes ~9 s, beside the SHACL part's two processes)."""
    from ..runtime import beside
    from ..store.sqlite import release_inherited
    from .shaping import shape_results

    findings = beside(_findings, root, start=release_inherited)
    results, validated, notes = shape_results(root, endpoint)
    shapes = tuple(sorted(results, key=lambda s: (s.severity != "Violation", s.path or "\uffff", s.line or 0,
                                                  s.message, s.focus)))
    info, health = findings()
    return CheckReport(str(root), shapes, tuple(info["unresolved_links"]), tuple(info["repairs"]),
                       tuple(info["problems"]), health, (validated, notes))


def _findings(root: Path) -> tuple[dict, dict[str, list[dict]]]:
    """The index's status (links, repairs, problems) and the vault's health findings."""
    from ..reason import health, load
    from .reading import status

    return status(root), health(load(root))


def placed(violations, triples=()) -> list[ShapeResult]:
    """SHACL results at the file and line they come from (``triples``: the note's graph as
    ``graph.ntriples.note_triples`` gives it, to find spans in)."""
    located = locate({v.focus for v in violations}, triples) if violations else {}
    return [ShapeResult(v.severity, v.message, _short(v.path) if v.path else None,
                        *located.get(v.focus, _from_iri(v.focus)), v.focus) for v in violations]


def locate(foci: set[str], triples) -> dict[str, tuple[str | None, int | None, int | None]]:
    """(path, first line, last line) of each focus node: its span's, a section's lines in its note, a note's
    path, else what its IRI says."""
    wanted = {"path", "startLine", "endLine", "span", "inNote"}
    props: dict[str, dict[str, str]] = {}
    spans: set[str] = set()
    for _ in range(2):  # the foci first, then the spans and notes they point to
        targets = foci | spans
        for s, p, o, _ in triples:
            if s not in targets or not p.startswith(_VG):
                continue
            name = p[len(_VG):]
            if name in wanted:
                props.setdefault(s, {}).setdefault(name, str(o))
        spans = {p[k] for f in foci for p in [props.get(f, {})] for k in ("span", "inNote") if k in p}
        if not spans - set(props):
            break
    out = {}
    for focus in foci:
        p = props.get(focus)
        if not p:
            continue
        own = props.get(p.get("span", ""), {})
        path = own.get("path") or p.get("path") or props.get(p.get("inNote", ""), {}).get("path")
        start = own.get("startLine") or p.get("startLine")
        end = own.get("endLine") or p.get("endLine")
        if path:
            out[focus] = (path, _int(start), _int(end) or _int(start))
    return out


def _from_iri(iri: str) -> tuple[str | None, int | None, int | None]:
    """``…/vault/a%20b.md#L6-9-hash`` → ("a b.md", 6, 9); anything else has no place in the vault."""
    from ..graph.build import note_place

    place = note_place(iri)
    if place is None:
        return None, None, None
    path, frag = place
    if frag.startswith("L"):
        first, _, rest = frag[1:].partition("-")
        last = rest.split("-", 1)[0]
        return path, _int(first), _int(last) or _int(first)
    return path, None, None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _short(iri: str) -> str:
    for prefix, base in (("vg:", _VG), ("concept:", "https://vaultgraph.dev/concept/"),
                         ("skos:", "http://www.w3.org/2004/02/skos/core#")):
        if iri.startswith(base):
            return prefix + unquote(iri[len(base):])
    return unquote(iri)
