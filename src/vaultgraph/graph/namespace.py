"""The vaultgraph vocabulary as an rdflib ``DefinedNamespace``: a misspelt term fails loudly.

Generated from the terms declared in ``schema/vaultgraph.ttl``; ``tests/test_graph.py`` checks the two agree.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://vaultgraph.dev/"
CONCEPT = Namespace(BASE + "concept/")
NOTE = Namespace(BASE + "vault/")
SOURCE = Namespace(BASE + "source/")
TAG = Namespace(BASE + "tag/")
SCHEMA_GRAPH = URIRef(BASE + "graph/schema")


class VG(DefinedNamespace):
    _NS = Namespace(BASE + "ns#")
    _fail = True

    AssistantAgent: URIRef
    Capability: URIRef
    CapabilityScheme: URIRef
    ChatMessage: URIRef
    Claim: URIRef
    Consequence: URIRef
    Degrades: URIRef
    EffectDirection: URIRef
    Improves: URIRef
    Limitation: URIRef
    Link: URIRef
    Method: URIRef
    Metric: URIRef
    Mixed: URIRef
    Neutral: URIRef
    Note: URIRef
    NoteFragment: URIRef
    Phenomenon: URIRef
    PhenomenonScheme: URIRef
    Problem: URIRef
    Result: URIRef
    Risk: URIRef
    RoleConsequences: URIRef
    RoleLimitations: URIRef
    RoleOther: URIRef
    RoleProblem: URIRef
    RoleResults: URIRef
    RoleRisks: URIRef
    RoleSolution: URIRef
    RoleSources: URIRef
    Section: URIRef
    SectionRole: URIRef
    Solution: URIRef
    Source: URIRef
    Span: URIRef
    Table: URIRef
    TableRow: URIRef
    Tag: URIRef
    UserAgent: URIRef
    VaultScheme: URIRef
    about: URIRef
    addresses: URIRef
    affects: URIRef
    alias: URIRef
    author: URIRef
    causes: URIRef
    cites: URIRef
    cost: URIRef
    effectDirection: URIRef
    embeds: URIRef
    endLine: URIRef
    evidence: URIRef
    hasLink: URIRef
    hasRisk: URIRef
    hasTag: URIRef
    headingKeyword: URIRef
    headingLevel: URIRef
    headingPath: URIRef
    inNote: URIRef
    inSection: URIRef
    inTable: URIRef
    involves: URIRef
    linkTarget: URIRef
    linkText: URIRef
    linksTo: URIRef
    mentions: URIRef
    mitigates: URIRef
    order: URIRef
    parentSection: URIRef
    path: URIRef
    rawTarget: URIRef
    reportsMetric: URIRef
    role: URIRef
    span: URIRef
    startLine: URIRef
    text: URIRef
    timestamp: URIRef
    uid: URIRef
    unit: URIRef
    url: URIRef
    value: URIRef
