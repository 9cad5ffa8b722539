"""The concepts a question names, in either language.

Labels are matched as the extractor matches them (``ConceptIndex.find``: inflection-robust, strict
about short abbreviations in running text). A question is typed in a hurry, so two looser readings
follow for the words ``find`` left: any case ("lora", "cot"), and Snowball stems of whole labels
("distilling" finds distillation, "quantized" quantization).
"""

from __future__ import annotations

from ..extract.concepts import ConceptIndex
from ..index.lexical import tokenize

MAX_LABEL_WORDS = 3


def _stem_table(concepts: ConceptIndex) -> dict[tuple[str, ...], str]:
    table = getattr(concepts, "_question_stems", None)
    if table is None:
        table = {}
        for concept in concepts:
            for label in (concept.id, *concept.labels):
                key = tuple(tokenize(label))
                if key and len(key) <= MAX_LABEL_WORDS:
                    table.setdefault(key, concept.id)
        concepts._question_stems = table  # cached on the index it was built from
    return table


def link(question: str, concepts: ConceptIndex) -> tuple[str, ...]:
    """Concept ids named in ``question``, in order of appearance, each once."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in concepts.find(question):
        found.append((m.start, m.concept))
        taken.append((m.start, m.end))
    table = _stem_table(concepts)
    words = [(w.start(), w.end(), w.group()) for w in _words(question)]
    free = [(s, e, t) for s, e, t in words if not any(a <= s < b for a, b in taken)]
    i = 0
    while i < len(free):
        for n in range(min(MAX_LABEL_WORDS, len(free) - i), 0, -1):
            key = tuple(t for _, _, w in free[i:i + n] for t in tokenize(w))
            hit = table.get(key) if key else None
            if hit:
                found.append((free[i][0], hit))
                i += n
                break
        else:
            i += 1
    return tuple(dict.fromkeys(c for _, c in sorted(found)))


def _words(text: str):
    import re

    return re.finditer(r"[^\W_]+(?:-[^\W_]+)*", text)
