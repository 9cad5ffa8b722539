"""What a question asks about, in the vault's own words, and how much of it a passage holds.

A question's *content words* are its tokens (``text.words.tokenize``: stemmed, stop words dropped), each
weighted by how much it tells passages apart (BM25's idf over the vault: a word no passage holds weighs
most). Intent cues ("risks", "how to prevent" …) weigh a third: the answer rarely repeats them.

Each word may be held in other forms (``variants``), each with a strength in (0, 1]:
  * the vault's bilingual pairs (``index/terms.py``: «обрезки градиентов (gradient clipping)»), 1.0;
  * its translations among the vault's words (``index/words.py``: the embedding model's nearest words of
    the other script, by CSLS), their cosine;
  * the learned terms the question names (a heading, a bold term, an alias …): their defining passages
    hold the term whatever words they use («Полив» defines "Watering").

A passage's *coverage* is the weighted share of the content words it holds, in any form. It is what
decides whether a passage answers at all (``query/retrieve.relevant``) and adds to its rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..index.terms import DEFINES, lookup
from ..text.words import ALNUM, LETTERS, fold, is_cyrillic, tokenize
from .intent import cue_stems

CUE_WEIGHT = 0.35
COMMON_ZIPF = 7.0  # general-language frequency (wordfreq's Zipf scale) at which a word tells nothing
ZIPF_SPAN = 4.0  # … and this much rarer, a word is fully telling (at Zipf 3: ``telling`` relies on it)
GENERAL_FLOOR = 0.1
VARIANT_WEIGHT = 0.8  # a translation's share of a typed word's BM25 weight (times its cosine)
MAX_NGRAM = 4
TERM_NOTES = 3  # a key more notes than this define ("Problems", "Sources") names no one thing


@dataclass
class Question:
    words: list[str]  # content tokens, in order, each once
    weights: dict[str, float]  # token → weight (idf, cues scaled down)
    variants: dict[str, dict[str, float]] = field(default_factory=dict)  # token → {other token: strength}
    terms: list[tuple[tuple[str, ...], list[tuple[str, int, int]], float]] = field(default_factory=list)
    # (question tokens a term covers, [(path, line, end_line) defining it], specificity)
    unknown: set[str] = field(default_factory=set)  # words no passage holds in any form

    def unknown_share(self) -> float:
        """The weighted share of the question's words the vault holds in no form (no passage, no variant, no
        learned term): what it cannot answer."""
        total = sum(self.weights.values())
        named = {w for words, _, _ in self.terms for w in words}
        return sum(self.weights[w] for w in self.unknown if not self.variants.get(w) and w not in named) / total \
            if total else 0.0

    def lexical_query(self) -> dict[str, float]:
        """BM25 query: the typed words, then their variants at a share of their weight."""
        query = {w: 1.0 for w in self.words}
        for forms in self.variants.values():
            for form, strength in forms.items():
                if form not in query:
                    query[form] = max(query.get(form, 0.0), VARIANT_WEIGHT * strength)
        return query


def idf(documents: int, df: int) -> float:
    return float(np.log(1 + (documents - df + 0.5) / (df + 0.5)))


def telling(surface: str) -> float:
    """How much a word tells in general language, 0.1..1: "go", "one", «после» little, "LoRA", «закваска»
    fully (wordfreq's Zipf frequency, 7 for the most common words). A word the vault never uses weighs most
    by the vault's idf alone, yet "go" or "wrong" in a question says nothing about what it asks.

    From wordfreq's small lists (``query.general``): they hold exactly the words of its large lists more frequent
    than Zipf 3, at the same frequencies (checked for every word of both languages, ``tests/test_telling.py``), and a
    word at Zipf 3 or below is fully telling either way; they load in 0.01-0.02 s where the large ones took 0.09 s
    (English) and 0.33 s (Russian), which a one-off ``kg ask`` waited for."""
    from .general import zipf as general_zipf

    lang = "ru" if "\u0400" <= surface[:1] <= "\u04ff" else "en"
    zipf = general_zipf(surface, lang)
    return float(min(1.0, max(GENERAL_FLOOR, (COMMON_ZIPF - zipf) / ZIPF_SPAN)))


def general_weights(question: str) -> dict[str, float]:
    """Each of the question's tokens → how much it tells in general language (``telling`` of the surface the
    question writes it in); needs no index and no model."""
    forms: dict[str, str] = {}  # token → the surface the question writes it in
    for surface in ALNUM.findall(fold(question)):
        for token in tokenize(surface):
            forms.setdefault(token, surface)
    return {t: telling(forms.get(t, t)) for t in dict.fromkeys(tokenize(question))}


def analyse(question: str, segments, conn=None, translator=None, word_vectors: dict | None = None,
            general: dict[str, float] | None = None) -> Question:
    """The question's weighted words, the learned terms it names and the variants of its words;
    ``word_vectors``: surface → vector of the words ``translatable`` found (embedded with the question);
    ``general``: its ``general_weights`` if already computed."""
    general = general_weights(question) if general is None else general
    tokens = list(general)
    n = max(1, segments.documents())
    cues = cue_stems(question)
    weights = {t: idf(n, segments.df(t)) * general[t] *
               (CUE_WEIGHT if t in cues and len(tokens) > 1 else 1.0) for t in tokens}
    q = Question(tokens, weights, unknown={t for t in tokens if not segments.df(t)})
    if conn is not None:
        _terms(q, question, conn)
    if translator is not None and word_vectors:
        _translate(q, question, translator, word_vectors)
    return q


def _terms(q: Question, question: str, conn) -> None:
    """The learned terms the question names, and the pairs' other sides as variants."""
    words = tokenize(question)
    grams = {" ".join(words[i:j]): tuple(words[i:j]) for i in range(len(words))
             for j in range(i + 1, min(len(words), i + MAX_NGRAM) + 1)}
    found, notes = lookup(conn, list(grams), TERM_NOTES)  # past TERM_NOTES a key's pairs only (below)
    by_key: dict[str, list] = {}
    for t in found:
        by_key.setdefault(t.key, []).append(t)
    for key, terms in by_key.items():
        covered = grams[key]
        for t in terms:
            if t.kind == "pair" and t.partner:
                for form in tokenize(t.partner):
                    for w in covered:
                        q.variants.setdefault(w, {})[form] = 1.0
        if notes.get(key, 0) > TERM_NOTES:
            continue
        places = list(dict.fromkeys((t.path, t.line, t.end_line) for t in terms))
        q.terms.append((covered, places, max(DEFINES[t.kind] for t in terms) / notes.get(key, 1)))


def translatable(question: str) -> dict[str, str]:
    """The question's content words that can be translated: stem → the surface form it is written in."""
    out: dict[str, str] = {}
    for surface in LETTERS.findall(fold(question)):
        stem = tokenize(surface)
        if stem and len(surface) >= 3 and (surface.isascii() or is_cyrillic(surface)):
            out.setdefault(stem[0], surface)
    return out


def _translate(q: Question, question: str, translator, vectors: dict[str, np.ndarray]) -> None:
    words = {stem: surface for stem, surface in translatable(question).items()
             if stem in q.weights and surface in vectors}
    if not words:
        return
    stems, surfaces = list(words), list(words.values())
    found = translator.translate(surfaces, np.stack([vectors[s] for s in surfaces]))
    for stem, translations in zip(stems, found):
        for form, strength in translations + translator.forms(stem):
            if form != stem:
                forms = q.variants.setdefault(stem, {})
                forms[form] = max(forms.get(form, 0.0), strength)


def coverage(q: Question, segments, rows: list[int], defined: dict[int, set[str]] | None = None,
             named: dict[int, set[str]] | None = None, entity_words: dict[str, set[str]] | None = None) -> np.ndarray:
    """For each of ``rows``: the weighted share of the question's words the passage holds (0..1).

    ``defined``: row → question words it holds whatever its text says (a learned term it defines, a
    question concept it is linked to). ``named``: row → the question concepts it is linked to; the words of
    the question's *other* concepts do not count against it ("LoRA vs DPO": a passage on LoRA answers its
    half), given ``entity_words`` (concept → the question words naming it)."""
    if not rows or not q.weights:
        return np.zeros(len(rows))
    cands = np.asarray(rows, dtype=np.int64)
    got = np.zeros(len(rows))
    total = np.zeros(len(rows))
    entity_words = entity_words or {}
    for w, weight in q.weights.items():
        held = _holds(segments, w, cands)
        for form, strength in q.variants.get(w, {}).items():
            held = np.maximum(held, strength * _holds(segments, form, cands))
        if defined:
            held = np.maximum(held, [1.0 if w in defined.get(r, ()) else 0.0 for r in rows])
        owners = {e for e, ws in entity_words.items() if w in ws}
        counts = np.ones(len(rows))
        if owners and named:  # a word of a question concept the passage is not about, beside one it is about
            counts = np.asarray([0.0 if (n := named.get(r)) and not owners & n else 1.0 for r in rows])
        got += weight * held * counts
        total += weight * counts
    return np.divide(got, total, out=np.zeros(len(rows)), where=total > 0)


def _holds(segments, token: str, cands: np.ndarray) -> np.ndarray:
    rows = segments.holders(token)
    if not len(rows):
        return np.zeros(len(cands))
    at = np.minimum(np.searchsorted(rows, cands), len(rows) - 1)
    return (rows[at] == cands).astype(float)
