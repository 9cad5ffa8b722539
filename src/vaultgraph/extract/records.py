"""What extraction produces for one note: claims with spans, and the relations between them."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Warning
from ..vocabulary import CLAIM_KINDS  # noqa: F401  (the kinds a claim has)



@dataclass(frozen=True)
class Claim:
    id: str  # note path + span + short content hash: stable while the text stays put
    kinds: tuple[str, ...]  # subset of CLAIM_KINDS, "claim" always first
    text: str
    path: str
    line: int
    end_line: int
    heading: tuple[str, ...]  # heading path of the section holding it
    role: str | None  # section role (problem, consequences, solution, risks, …)
    origin: str  # "item" | "paragraph" | "sentence" | "row" | "field" | "callout"
    about: tuple[str, ...] = ()  # method concepts
    affects: tuple[str, ...] = ()  # capability concepts
    involves: tuple[str, ...] = ()  # phenomenon concepts (forgetting, mode collapse …)
    direction: str | None = None  # "improves" | "degrades" | None
    cost: str | None = None
    sources: tuple[str, ...] = ()  # source keys (arxiv:…, doi:…, cite:…, url:…, note:path)
    evidence: tuple[str, ...] = ()  # vault paths of notes cited as evidence
    author: str = "user"  # "user" | "assistant" (text written by the assistant in a chat export)
    cells: tuple[tuple[str, str], ...] = ()  # table rows: (column meaning, cell text)


@dataclass(frozen=True)
class Source:
    key: str
    kind: str
    text: str


@dataclass(frozen=True)
class NoteFacts:
    path: str
    title: str
    note_type: str | None
    concept: str | None  # the concept this note defines (frontmatter type: method)
    claims: tuple[Claim, ...]
    mitigates: tuple[tuple[str, str], ...]  # (solution claim id, risk/problem claim id or concept id)
    causes: tuple[tuple[str, str], ...]  # (problem claim id, consequence claim id)
    sources: tuple[Source, ...]
    links: tuple[tuple[str, int, bool], ...]  # (target path, line, embed) of resolved links
    warnings: tuple[Warning, ...] = ()  # where a limit of one note (``vaultgraph.limits``) cut the claims
