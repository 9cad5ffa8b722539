"""Linked method reasoning over the vault's claims, read from the index (``VAULT/.kg/index.sqlite``).

    rg = load(root)                      # one read snapshot of the index; nothing is built per process
    why(rg, "LoRA", "CoT")               # Explanation: cited chains from one concept to another
    compare(rg, ["LoRA", "RLHF"])        # Comparison: effects, costs, risks, mitigations, sources (6 a cell)
    lineage(rg, "QLoRA")                 # [("LoRA", 1), ("PEFT", 2), ("FineTuning", 3)]
    claims_of(rg, "QLoRA")               # own risks, then LoRA's, PEFT's, … marked inherited_from
    resolve(rg, "цепочка рассуждений")   # "CoT"; UnknownConcept (a VaultgraphError) suggests labels
    health(rg)                           # unsourced claims, unmitigated risks, orphans, undefined concepts

Where things live: ``records.py`` turns a note's extracted facts into the reasoning's records when it is indexed
and reads claims back from ``passages`` and ``relations``; ``edges.py`` prices claims and says which station
edges a note's claims make; ``store.py`` keeps those edges in the index per note (``reason_*`` tables, written
in the indexer's transaction); ``build.py`` is the station graph read on demand; ``paths.py`` (why),
``comparison.py`` (compare, inheritance), ``checks.py`` (health) and ``names.py`` (names → concepts) answer.
"""

from __future__ import annotations

import pathlib

from ..errors import UnknownConcept
from .build import ReasonGraph
from .comparison import CELL_LIMIT, claims_of, compare, lineage
from .checks import health
from .model import Citation, ClaimRec, Comparison, ConceptClaim, Explanation, Path, Row, Step
from .names import resolve
from .paths import why


def load(root: pathlib.Path | str) -> ReasonGraph:
    """The reasoning graph of an indexed vault: a read snapshot of its index and the vault's concepts."""
    from ..errors import IndexMissing
    from ..index.concepts import cached_concept_index
    from ..store.sqlite import get_meta, open_reader
    from ..versions import REASON_VERSION

    root = pathlib.Path(root).resolve()
    conn = open_reader(root)
    meta = get_meta(conn)
    if meta.get("reason_version") != REASON_VERSION:
        conn.close()
        raise IndexMissing(f"the index of {root} holds no reasoning data of this kg version: run `kg index`")
    conn.execute("BEGIN")  # one snapshot for every read of this graph
    return ReasonGraph(conn, cached_concept_index(root, conn, meta.get("graph_signature", "")))


__all__ = ["CELL_LIMIT", "Citation", "ClaimRec", "Comparison", "ConceptClaim", "Explanation", "Path", "ReasonGraph", "Row", "Step",
           "UnknownConcept", "claims_of", "compare", "health", "lineage", "load", "resolve", "why"]
