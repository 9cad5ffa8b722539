"""Linked method reasoning over the vault graph, with networkx.

    rg = load(root)                      # cached under VAULT/.kg/, rebuilt per changed note
    why(rg, "LoRA", "CoT")               # Explanation: cited chains from one concept to another
    compare(rg, ["LoRA", "RLHF"])        # Comparison: effects, costs, risks, mitigations, sources
    lineage(rg, "QLoRA")                 # [("LoRA", 1), ("PEFT", 2), ("FineTuning", 3)]
    claims_of(rg, "QLoRA")               # own risks, then LoRA's, PEFT's, … marked inherited_from
    resolve(rg, "цепочка рассуждений")   # "CoT"; UnknownConcept (a VaultgraphError) suggests labels
    health(rg)                           # unsourced claims, unmitigated risks, orphans, undefined concepts
"""

from __future__ import annotations

from ..errors import UnknownConcept
from .build import ReasonGraph
from .cache import load
from .comparison import claims_of, compare, lineage
from .checks import health
from .model import Citation, ClaimRec, Comparison, ConceptClaim, Explanation, Path, Row, Step
from .names import resolve
from .paths import why

__all__ = ["Citation", "ClaimRec", "Comparison", "ConceptClaim", "Explanation", "Path", "ReasonGraph", "Row", "Step",
           "UnknownConcept", "claims_of", "compare", "health", "lineage", "load", "resolve", "why"]
