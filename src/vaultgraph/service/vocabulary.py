"""``kg terms``: the vocabulary a vault defines itself (``index/terms.py``), listed or exported as SKOS.

The learned terms sit next to the hand-made scheme in ``schema/concepts.ttl``: they are found by the same
questions, but nobody curated them. Exported as SKOS Turtle, each distinct term is a ``skos:Concept`` with
its labels in both languages (a bracketed translation becomes an ``altLabel`` in the other language), the
notes that define it (``dcterms:source``) and where (``skos:note``), so the user can promote the ones worth
keeping into concept notes (``type: method`` with ``aliases``) or into the scheme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..citations import where
from ..index.terms import KINDS, Term, all_terms
from ..store import reader

TERMS_NS = "https://vaultgraph.dev/vault-terms/"


@dataclass(frozen=True)
class LearnedTerm:
    """One distinct term of the vault: its key, every way it is written, where it is defined."""

    key: str
    labels: tuple[tuple[str, str], ...]  # (text, lang), the most written first
    kinds: tuple[str, ...]
    places: tuple[tuple[str, int, int], ...]  # (path, line, end_line)

    def to_dict(self) -> dict:
        return {"key": self.key, "labels": [{"text": t, "lang": lang or None} for t, lang in self.labels],
                "kinds": list(self.kinds),
                "places": [{"path": p, "line": a, "end_line": b} for p, a, b in self.places]}


def learned_terms(root: Path, kinds: tuple[str, ...] = ()) -> list[LearnedTerm]:
    """Every distinct term of the vault (of ``kinds`` when given), by key."""
    with reader(root) as conn:
        terms = all_terms(conn)
    return group([t for t in terms if not kinds or t.kind in kinds])


def group(terms: list[Term]) -> list[LearnedTerm]:
    """One record per term, a bracketed translation joined with what it translates (by key)."""
    from ..index.terms import script, term_key

    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for t in terms:
        if t.partner and (other := term_key(t.partner)):
            a, b = sorted((root(t.key), root(other)))
            parent[b] = a
    by_key: dict[str, list[Term]] = {}
    for t in terms:
        by_key.setdefault(root(t.key), []).append(t)
    out = []
    for key, found in sorted(by_key.items()):
        written = Counter((t.text, t.lang) for t in found)
        for t in found:
            if t.partner:
                written.setdefault((t.partner, script(t.partner)), 0)
        labels = tuple(label for label, _ in sorted(written.items(), key=lambda kv: (-kv[1], kv[0])))
        kinds = tuple(k for k in KINDS if any(t.kind == k for t in found))
        places = tuple(dict.fromkeys((t.path, t.line, t.end_line) for t in found))
        out.append(LearnedTerm(key, labels, kinds, places))
    return out


def summary(conn) -> dict:
    """Counts for ``kg status``: terms by kind, distinct keys, bilingual pairs."""
    by_kind = dict(conn.execute("SELECT kind, COUNT(*) FROM terms GROUP BY kind").fetchall())
    keys = conn.execute("SELECT COUNT(DISTINCT key) FROM terms").fetchone()[0]
    return {"distinct": keys, "by_kind": {k: by_kind.get(k, 0) for k in KINDS},
            "pairs": by_kind.get("pair", 0) // 2}


def to_turtle(terms: list[LearnedTerm]) -> str:
    """The terms as a SKOS concept scheme in deterministic Turtle (rdflib's ``longturtle``), written as
    ``kg export`` writes the graph (``graph.export.uchar``)."""
    import re

    from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS

    from ..graph.build import note_iri
    from ..graph.export import uchar

    ns = Namespace(TERMS_NS)
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("dcterms", DCTERMS)
    g.bind("vt", ns)
    scheme = URIRef(TERMS_NS + "scheme")
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal("Terms the vault defines itself", lang="en")))
    for term in terms:
        node = ns[re.sub(r"[^\w-]+", "-", term.key, flags=re.UNICODE).strip("-") or "term"]
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, scheme))
        preferred: set[str] = set()
        for text, lang in term.labels:
            if lang not in preferred:
                g.add((node, SKOS.prefLabel, Literal(text, lang=lang or None)))
                preferred.add(lang)
            else:
                g.add((node, SKOS.altLabel, Literal(text, lang=lang or None)))
        for path, line, end in term.places:
            g.add((node, DCTERMS.source, URIRef(note_iri(path).value)))
            g.add((node, SKOS.note, Literal(where(path, line, end))))
    return uchar(g.serialize(format="longturtle"))


__all__ = ["KINDS", "LearnedTerm", "group", "learned_terms", "summary", "to_turtle"]
