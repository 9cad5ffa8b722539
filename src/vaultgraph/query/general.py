"""How frequent a word is in general English or Russian, on wordfreq's Zipf scale (``zipf``).

``query.coverage.telling`` needs it for each word of a question, and only above Zipf 3: wordfreq's small lists hold
exactly its large lists' words above that, at the same frequencies (``tests/test_telling.py``). A plain word (ASCII
letters in English, Russian letters in Russian, in lower case) is what wordfreq's tokenizer leaves as it is, so its
frequency is read straight from the small list's file; any other word (digits, other scripts) goes through
wordfreq itself. Importing wordfreq (its tokenizer pulls in ftfy, langcodes and regex) cost 0.09 s of every one-off
``kg ask``; the two lists alone load in 0.03 s.
"""

from __future__ import annotations

import math
from functools import lru_cache

_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def zipf(word: str, lang: str) -> float:
    """wordfreq's ``zipf_frequency(word, lang, wordlist="small")`` for ``lang`` "en" or "ru"."""
    if word and word.islower() and (word.isascii() and word.isalpha() if lang == "en" else set(word) <= _RUSSIAN):
        try:
            table = _small_list(lang)
        except (OSError, ValueError, ImportError, EOFError):  # a wordfreq laid out otherwise: asked itself
            table = None
        if table is not None:
            centibels = table.get(word)
            return 0.0 if centibels is None else _zipf_of(centibels)
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang, wordlist="small")


@lru_cache(maxsize=2)
def _small_list(lang: str) -> dict[str, int]:
    """word → its frequency in centibels below 1 (wordfreq's cBpack file: a header, then the words of each
    centibel in turn)."""
    import gzip
    from importlib.util import find_spec
    from pathlib import Path

    import msgpack

    package = find_spec("wordfreq")  # found, not imported
    if package is None or not package.submodule_search_locations:
        raise ImportError("wordfreq is not installed")
    with gzip.open(Path(package.submodule_search_locations[0]) / "data" / f"small_{lang}.msgpack.gz", "rb") as handle:
        header, *buckets = msgpack.load(handle, raw=False)
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"wordfreq's small_{lang} list has a format this kg does not read: {header!r}")
    return {w: index for index, bucket in enumerate(buckets) for w in bucket}


@lru_cache(maxsize=1024)
def _zipf_of(centibels: int) -> float:
    """As wordfreq rounds a single word's frequency: to 3 significant digits, then its Zipf value to 2 decimals."""
    freq = 10.0 ** (-centibels / 100)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(math.log(freq, 10) + 9, 2)


__all__ = ["zipf"]
