"""The closed vocabularies of vaultgraph, spelled once: claim kinds, section roles, the note types that define a
concept. (The vault's own learned vocabulary is ``index/terms.py``; its service is ``service/vocabulary.py``.)

Claim kinds and section roles are ontology terms (``schema/vaultgraph.ttl``): the kinds are ``vg:Claim`` and its
subclasses, the roles the ``vg:SectionRole`` individuals keyed by ``skos:notation``. The tuples below are their
local names in a fixed order, because the order is stored (``index/links.py`` keeps a bit per claim kind):
append, never reorder. ``ontology_claim_kinds`` and ``ontology_roles`` read the ontology itself;
``tests/test_primitives.py`` holds the two in agreement.
"""

from __future__ import annotations

from functools import lru_cache

CLAIM_KINDS = ("claim", "risk", "problem", "consequence", "solution", "limitation", "result")
SECTION_ROLES = ("problem", "consequences", "solution", "sources", "risks", "limitations", "results", "other")
GRAPH_ROLES = SECTION_ROLES[:-1]  # "other" is no role in the graph
METHOD_TYPES = ("method", "concept", "метод")  # frontmatter ``type:`` values of a note that defines a concept

_VG = "https://vaultgraph.dev/ns#"


def kind_class(kind: str) -> str:
    """The ontology class (local name) of a claim kind: ``risk`` → ``Risk``."""
    return kind.capitalize()


def role_individual(role: str) -> str:
    """The ontology individual (local name) of a section role: ``risks`` → ``RoleRisks``."""
    return "Role" + role.capitalize()


def defines_concept(note_type: object) -> bool:
    """Whether a frontmatter ``type:`` makes its note define a concept (any case)."""
    return str(note_type or "").lower() in METHOD_TYPES


@lru_cache(maxsize=1)
def _ontology():
    import pyoxigraph as ox

    from .resources import schema_dir

    store = ox.Store()
    store.load(path=str(schema_dir() / "vaultgraph.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def ontology_claim_kinds() -> frozenset[str]:
    """``vg:Claim`` and its direct subclasses in the ontology, as claim kinds (``Risk`` → ``risk``)."""
    import pyoxigraph as ox

    sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    claim = ox.NamedNode(_VG + "Claim")
    found = {q.subject.value for q in _ontology().quads_for_pattern(None, sub, claim, None)} | {claim.value}
    return frozenset(iri.removeprefix(_VG).lower() for iri in found)


def ontology_roles() -> dict[str, str]:
    """The section roles of the ontology: ``skos:notation`` → the individual's local name."""
    import pyoxigraph as ox

    notation = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
    return {q.object.value: q.subject.value.removeprefix(_VG)
            for q in _ontology().quads_for_pattern(None, notation, None, None) if q.subject.value.startswith(_VG)}


__all__ = ["CLAIM_KINDS", "GRAPH_ROLES", "METHOD_TYPES", "SECTION_ROLES", "defines_concept", "kind_class",
           "ontology_claim_kinds", "ontology_roles", "role_individual"]
