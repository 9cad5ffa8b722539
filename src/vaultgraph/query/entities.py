"""The concepts a question names, in either language.

Labels are matched as the extractor matches them (``ConceptIndex.find``: inflection-robust, strict
about short abbreviations in running text). A question is typed in a hurry, so two looser readings
follow for the words ``find`` left: any case ("lora", "cot"), and Snowball stems of whole labels
("distilling" finds distillation, "quantized" quantization).
"""

from __future__ import annotations

from ..extract.concepts import ConceptIndex, Mention, domain_mentions, ordinary_label
from ..text.words import HYPHENATED, tokenize

MAX_LABEL_WORDS = 3
QUESTION_ORDINARY = 2  # concepts named by ordinary words that make a question speak of the domain


def _stem_table(concepts: ConceptIndex) -> dict[tuple[str, ...], tuple[str, bool]]:
    """Stemmed label → (concept id, one of the labels with that key is an ordinary word)."""
    table = getattr(concepts, "_question_stems", None)
    if table is None:
        table = {}
        for concept in concepts:
            for label in (concept.id, *concept.labels):
                key = tuple(tokenize(label))
                if key and len(key) <= MAX_LABEL_WORDS:
                    cid, plain = table.get(key, (concept.id, False))
                    table[key] = (cid, plain or ordinary_label(label))
        concepts._question_stems = table  # cached on the index it was built from
    return table


def link(question: str, concepts: ConceptIndex) -> tuple[str, ...]:
    """Concept ids named in ``question``, in order of appearance, each once."""
    return tuple(dict.fromkeys(m.concept for m in mentions(question, concepts)))


def weak(question: str, concepts: ConceptIndex) -> frozenset[str]:
    """The question's concepts named only by an ordinary word in a question that does not otherwise speak
    of the domain ("when to prune roses": ``domain_mentions``). A passage linked to one of them answers only
    if it holds the rest of the question too."""
    found = mentions(question, concepts)
    kept = {m.concept for m in domain_mentions(found, enough=QUESTION_ORDINARY)}
    return frozenset(m.concept for m in found if m.concept not in kept)


def mentions(question: str, concepts: ConceptIndex) -> list[Mention]:
    """The concept mentions of ``question``: by ``ConceptIndex.find``, then by stemmed labels."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in concepts.find(question):
        found.append(m)
        taken.append((m.start, m.end))
    table = _stem_table(concepts)
    words = [(w.start(), w.end(), w.group()) for w in HYPHENATED.finditer(question)]
    free = [(s, e, t) for s, e, t in words if not any(a <= s < b for a, b in taken)]
    i = 0
    while i < len(free):
        for n in range(min(MAX_LABEL_WORDS, len(free) - i), 0, -1):
            key = tuple(t for _, _, w in free[i:i + n] for t in tokenize(w))
            hit = table.get(key) if key else None
            if hit:
                found.append(Mention(hit[0], free[i][0], free[i + n - 1][1], question[free[i][0]:free[i + n - 1][1]],
                                     hit[1]))
                i += n
                break
        else:
            i += 1
    return sorted(found, key=lambda m: m.start)

