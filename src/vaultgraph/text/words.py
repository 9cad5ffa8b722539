"""Words and stems: every tokenizer of vaultgraph and the Snowball stemmers they share.

Each reader of words needs a slightly different cut, and each cut is stored or matched against stored
data, so they are kept apart by name here rather than merged (merging them would change the index):

* ``tokenize`` — the BM25 token (``index/lexical.py``, coverage, terms, entity stems): words split at
  hyphens and punctuation (digits kept), lower-cased, ``ё`` read as ``е``, stop words of both languages
  dropped; Cyrillic words get the Snowball Russian stem with a fleeting vowel before a final к/ц dropped
  («скачок» = «скачки»), Latin words the Snowball English stem, anything else stays as written.
* ``stem`` — one word's Snowball stem chosen by its first letter (intent cue phrases).
* ``heading_stems`` — letters only, chosen by any Cyrillic letter in the word, no ``ё`` folding, no stop
  words (section-role keywords against headings).
* ``concept_tokens`` / ``concept_key`` — the concept matcher's tokens (a Latin run, a Cyrillic run, a
  digit run or a run of other letters) and their matching keys: Cyrillic by the Russian stem with the
  fleeting vowel dropped, Latin by plural and final-e folding only ("reason" never becomes "reasoning").
* ``LETTERS``, ``HYPHENATED`` — the plain word patterns (the vault's words, term lengths, entity words).

Stemmers are PyStemmer, imported on first use (CLI start-up time).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

LETTERS = re.compile(r"[^\W\d_]+")  # a run of letters: the vault's words, heading words
ALNUM = re.compile(r"[^\W_]+")  # a run of letters and digits: the BM25 token's surface
HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # words joined by hyphens, digits kept: a question's words
HYPHENATED_LETTERS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # the same, letters only: counting a term's words

STOP = frozenset("""
a an and are as at be by for from has have in into is it its of on or that the this to was were will with
what which how why when who does do did can could should would about vs versus than then there their these
those not no yes also more most less such each both between over under via per
s t d ll re ve m during before after within upon across among around since until while because
и в во на с со к ко по о об от до из у за для при про как что это то же ли или но а не ни да бы был была
были быть есть его её ее их мы вы они она оно он так также чем чтобы если когда где кто какой какие
каков какова каковы чего чему ещё еще уже все всё весь между над под без через после перед около вокруг
кроме пока потому поэтому тоже
""".split())

# a fleeting vowel before a final к/ц: «скачок» and «скачки» (Snowball: скачок, скачк) share "скачк", as
# «цепочка» and «цепочек» do
_FLEETING = re.compile("(?<=[бвгджзклмнпрстфхцчшщ])[ео](?=[кц]$)")


@lru_cache(maxsize=1)
def stemmers():
    """(English, Russian) Snowball ``stemWord`` functions."""
    import Stemmer  # PyStemmer; imported on first use only

    return Stemmer.Stemmer("english").stemWord, Stemmer.Stemmer("russian").stemWord


def is_cyrillic(word: str) -> bool:
    """Whether a word starts with a Cyrillic letter."""
    return "\u0400" <= word[0] <= "\u04ff"


def fold(text: str) -> str:
    """Lower case with ``ё`` read as ``е``."""
    return text.lower().replace("ё", "е")


def drop_fleeting(stem: str) -> str:
    """A Russian stem without the fleeting vowel before a final к/ц (stems of five letters or more)."""
    return _FLEETING.sub("", stem) if len(stem) > 4 else stem


def tokenize(text: str) -> list[str]:
    """The BM25 tokens of ``text`` (see the module docstring)."""
    en, ru = stemmers()
    return [token for word in ALNUM.findall(fold(text)) if (token := _token(word, en, ru)) is not None]


def tokenize_many(texts: Iterable[str]) -> list[list[str]]:
    """``tokenize`` of each text, each distinct word stemmed once (the texts of a search base: 393k passages at
    10,000 notes, where a new pair of stemmers a text, each with its cache empty, and a stem a word written cost
    most of the BM25 build)."""
    en, ru = stemmers()
    tokens: dict[str, str | None] = {}
    out = []
    for text in texts:
        mine = []
        for word in ALNUM.findall(fold(text)):
            token = tokens.get(word, _UNSEEN)
            if token is _UNSEEN:
                token = tokens[word] = _token(word, en, ru)
            if token is not None:
                mine.append(token)
        out.append(mine)
    return out


_UNSEEN = object()


def _token(word: str, en, ru) -> str | None:
    """A word's BM25 token; None for a stop word."""
    if word in STOP:
        return None
    if "\u0400" <= word[0] <= "\u04ff":
        return drop_fleeting(ru(word))
    if word.isascii():
        return en(word) if word.isalpha() else word
    return word


def stem(word: str) -> str:
    """One word's Snowball stem, by its first letter (``ё`` read as ``е``)."""
    en, ru = stemmers()
    word = fold(word)
    return ru(word) if is_cyrillic(word) else en(word)


def heading_stems(text: str) -> tuple[str, ...]:
    """The stems of a heading's words: letters only, Russian when the word holds a Cyrillic letter."""
    en, ru = stemmers()
    return tuple(ru(word) if any("\u0400" <= c <= "\u04ff" for c in word) else en(word)
                 for word in LETTERS.findall(text.lower()))


# --- the concept matcher's tokens ------------------------------------------------------------------

_LAT = "A-Za-z\u00c0-\u024f"
_CYR = "\u0400-\u04ff"
_MARKS = "\u0300-\u036f"
CONCEPT_TOKEN = re.compile(rf"[{_LAT}][{_LAT}{_MARKS}0-9_]*|[{_CYR}][{_CYR}{_MARKS}]*|\d+|[^\W\d_{_LAT}{_CYR}]+")
_COMBINING = re.compile(f"[{_MARKS}]")
KEYS: dict[str, tuple[str, str | None]] = {}  # token surface → (key, case-sensitive key)


def english_fold(word: str) -> str:
    """Plural and final-e folding: adapters → adapter, strategies → strategy, caches/cache → cach."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        word = word[:-1]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def concept_key(surface: str) -> tuple[str, str | None]:
    """(matching key, case-sensitive key or None) of one concept token; cached in ``KEYS``."""
    word = surface if surface.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKC", surface))
    first = surface[0]
    strict = None
    if "\u0400" <= first <= "\u04ff":
        key = drop_fleeting(stemmers()[1](fold(word)))
    elif first.isascii() or "\u00c0" <= first <= "\u024f":
        key = english_fold(word.casefold())
        if word.isalpha() and not word.islower():
            bare = word[:-1] if len(word) > 2 and word[-1] == "s" and word[-2].isupper() else word
            strict = "=" + bare
    else:
        key = word.casefold()
    if len(KEYS) > 400_000:
        KEYS.clear()
    KEYS[surface] = (key, strict)
    return key, strict


def concept_tokens(text: str) -> list[re.Match]:
    """The concept matcher's tokens of ``text``, as matches (their offsets are the mentions')."""
    return list(CONCEPT_TOKEN.finditer(text))


__all__ = ["ALNUM", "CONCEPT_TOKEN", "HYPHENATED", "HYPHENATED_LETTERS", "KEYS", "LETTERS", "STOP", "concept_key",
           "concept_tokens", "drop_fleeting", "english_fold", "fold", "heading_stems", "is_cyrillic", "stem",
           "stemmers", "tokenize", "tokenize_many"]
