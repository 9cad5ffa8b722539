"""The vault's words and their vectors: how a question word finds the vault's words in the other language.

Most of the user's notes are Russian and many questions English (and the reverse). The multilingual
embedding model places a word near its translation ("garden" near «садовым», «воду» near "water"), so
every word of the vault is embedded once, on its own, and kept beside the search files: a question word
is embedded at question time and its nearest vault words *in the other script* are its translations.
Rare words sit near everything (hubs), so neighbours are ranked by CSLS (Conneau et al. 2018, "Word
translation without parallel data"): ``2·cos(q, w) − r(q) − r(w)``, where ``r`` is a word's mean similarity
to its ten nearest words of the other script. Only the vault's own words are candidates, so a
translation is always a word a passage holds.

A word is its BM25 token (``text.words.tokenize``: the Snowball stem); what is embedded is the form the vault
writes it in most often. A search base keeps the words of its passages (``words-N.npz``); a delta keeps the
words its new passages add. Vectors come from the embedding cache like passage vectors (keyed ``word:…``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .folders import load_arrays, reading, save_arrays
from ..text.words import LETTERS as _WORD
from ..text.words import STOP, fold, is_cyrillic, stemmers

MIN_LEN = 3
MAX_WORDS = 200_000  # the most frequent stems of a very large vault
HUB_NEIGHBOURS = 10
HUB_SAMPLE = 4_000  # other-script words a word's hubness is measured against (bounds the build)


@dataclass
class Words:
    stems: list[str] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)
    cyrillic: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    vectors: np.ndarray | None = None  # (n, dim) float32, unit length
    hub: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.stems)


def surfaces(texts: Iterable[str], known: set[str] = frozenset()) -> dict[str, Counter]:
    """stem → how often each surface form is written, for every word of ``texts`` not in ``known``. The words are
    counted first, by ``Counter`` over the texts a thousand at a time (no word crosses the line that joins them),
    and each distinct word is stemmed once: a loop in Python per word written took 8.8 s over the 393k passages of
    a 10,000-note vault. Stems and forms come in the order they are first written, as the loop gave them."""
    en, ru = stemmers()
    written: Counter = Counter()
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) >= 1000:
            written.update(_WORD.findall(fold("\n".join(batch))))
            batch = []
    written.update(_WORD.findall(fold("\n".join(batch))))
    out: dict[str, Counter] = {}
    for word, n in written.items():
        if len(word) >= MIN_LEN and word not in STOP and (word.isascii() or is_cyrillic(word)):
            stem = ru(word) if is_cyrillic(word) else en(word)
            if stem not in known:
                out.setdefault(stem, Counter())[word] += n
    return out


def digest(surface: str) -> str:
    return hashlib.sha1(b"word:" + surface.encode("utf-8")).hexdigest()


def collect(counts: dict[str, Counter], limit: int = MAX_WORDS) -> tuple[list[str], list[str]]:
    """(stems, the surface to embed for each), the most written first, at most ``limit``."""
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:limit]
    return [s for s, _ in ranked], [c.most_common(1)[0][0] for _, c in ranked]


def hubness(vectors: np.ndarray, cyrillic: np.ndarray, reference: Words | None = None) -> np.ndarray:
    """Each word's mean similarity to its nearest words of the other script (among a fixed sample of
    ``reference``'s words, or of these words themselves)."""
    ref = reference if reference is not None and len(reference) else None
    ref_vectors = ref.vectors if ref is not None else vectors
    ref_cyrillic = ref.cyrillic if ref is not None else cyrillic
    out = np.zeros(len(vectors), dtype=np.float32)
    for script in (False, True):
        mine = np.flatnonzero(cyrillic == script)
        others = np.flatnonzero(ref_cyrillic != script)[:HUB_SAMPLE]
        if not len(mine) or not len(others):
            continue
        k = min(HUB_NEIGHBOURS, len(others))
        for start in range(0, len(mine), 2048):
            chunk = mine[start:start + 2048]
            sims = vectors[chunk] @ ref_vectors[others].T
            out[chunk] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
    return out


def make(stems: list[str], surface_forms: list[str], vectors: np.ndarray, reference: Words | None = None) -> Words:
    cyrillic = np.asarray([is_cyrillic(s) for s in surface_forms], dtype=bool)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return Words(stems, surface_forms, cyrillic, vectors, hubness(vectors, cyrillic, reference))


def concat(first: Words, second: Words) -> Words:
    if not len(second):
        return first
    if not len(first):
        return second
    return Words(first.stems + second.stems, first.surfaces + second.surfaces,
                 np.concatenate([first.cyrillic, second.cyrillic]), np.concatenate([first.vectors, second.vectors]),
                 np.concatenate([first.hub, second.hub]))


def to_arrays(words: Words, prefix: str = "") -> dict[str, np.ndarray]:
    if not len(words):
        return {}
    return {f"{prefix}vectors": words.vectors.astype(np.float16), f"{prefix}hub": words.hub.astype(np.float32),
            f"{prefix}cyrillic": words.cyrillic}


def from_arrays(arrays, names: dict, prefix: str = "") -> Words:
    if f"{prefix}vectors" not in arrays:
        return Words()
    return Words(list(names["stems"]), list(names["surfaces"]), np.asarray(arrays[f"{prefix}cyrillic"], dtype=bool),
                 np.asarray(arrays[f"{prefix}vectors"], dtype=np.float32),
                 np.asarray(arrays[f"{prefix}hub"], dtype=np.float32))


def save(words: Words, path: Path) -> None:
    """``path`` (.npz) and its word list (.json), atomically (``folders.save_arrays``)."""
    save_arrays(path, to_arrays(words), {"stems": words.stems, "surfaces": words.surfaces})


def load(path: Path) -> Words:
    """The words at ``path``; ``IndexDamaged`` when it is missing or cannot be read whole."""
    with reading(path):
        found = load_arrays(path)
        if found is None:
            raise FileNotFoundError(path)
        words = from_arrays(*found)
        if len(words.stems) != len(words.surfaces) or (words.vectors is not None and len(words.vectors) != len(words)):
            raise ValueError("its parts do not fit together")
        return words


CSLS_MIN = 0.25  # a translation is at least this much closer than the two words' usual neighbours
TOP_CSLS_MIN = 0.1  # … or this much when it is the nearest of all (a small vault's neighbours are few and close)
COS_MIN = 0.55
PER_WORD = 3


_TRANSLIT = str.maketrans({"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
                           "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
                           "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
                           "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya"})
_SOUNDS = (("ph", "f"), ("ck", "k"), ("qu", "kv"), ("x", "ks"), ("w", "v"), ("c", "k"), ("q", "k"), ("h", ""),
           ("j", "i"), ("y", "i"))
_VOWELS = re.compile("[aeiou]")
TRANSLIT_MIN = 3  # consonants two words must share (in order) to sound alike
TRANSLIT_COS = 0.4  # … and the model must see them this close: the spelling proposes, the vectors confirm


def skeleton(word: str) -> str:
    """A word's consonants as it sounds, in Latin letters: «градиент» and "gradient" → "grdnt",
    «чекпойнт» and "checkpoint" → "kkpnt" (doubled letters kept once)."""
    w = word.lower().translate(_TRANSLIT)
    for a, b in _SOUNDS:
        w = w.replace(a, b)
    w = w[:1] + _VOWELS.sub("", w[1:])
    return re.sub(r"(.)\1+", r"\1", w)


PREFIX_MIN = 4  # letters two stems must share for one to be a form of the other ("leak" / "leakag")
PREFIX_SHARE = 0.6  # … and the shorter is at least this share of the longer
PREFIX_STRENGTH = 0.8


class Translator:
    """Translations of question words into the vault's words of the other script, and the vault's other
    forms of a word in the same script that stemming did not join ("leakage" and "leak")."""

    def __init__(self, words: Words):
        self.words = words
        self._sorted = sorted(set(words.stems))
        self._script: dict[bool, tuple[list[str], np.ndarray, np.ndarray]] = {}  # script → stems, vectors, hub
        self._sounds: dict[bool, list[tuple[str, int]]] = {}  # script → sorted (skeleton, index into its stems)
        for script in (False, True):
            at = np.flatnonzero(words.cyrillic == script)
            if len(at) and words.vectors is not None:
                stems = [words.stems[i] for i in at]
                self._script[script] = (stems, np.ascontiguousarray(words.vectors[at]), words.hub[at])
                self._sounds[script] = sorted((skeleton(words.surfaces[i]), n) for n, i in enumerate(at))

    def forms(self, stem: str) -> list[tuple[str, float]]:
        """Vault stems one of which begins with the other (``PREFIX_MIN`` letters, ``PREFIX_SHARE`` of the
        longer), with ``PREFIX_STRENGTH``: a derived form the stemmer left apart."""
        import bisect

        if len(stem) < PREFIX_MIN:
            return []
        out = []
        lo = bisect.bisect_left(self._sorted, stem[:PREFIX_MIN])
        for other in self._sorted[lo:lo + 2000]:
            if not other.startswith(stem[:PREFIX_MIN]):
                break
            short, long_ = sorted((stem, other), key=len)
            if other != stem and long_.startswith(short) and len(short) >= PREFIX_SHARE * len(long_):
                out.append((other, PREFIX_STRENGTH))
        return out

    def translate(self, surfaces_: list[str], vectors: np.ndarray) -> list[list[tuple[str, float]]]:
        """For each question word (its surface form and vector): its translations among the vault's words of
        the other script, as (vault stem, strength): the nearest by CSLS (up to ``PER_WORD``), and the words
        that sound like it (``skeleton``: loanwords, «градиентов» for "gradients") when the model agrees."""
        out: list[list[tuple[str, float]]] = []
        for surface, vector in zip(surfaces_, vectors):
            other = not is_cyrillic(surface)
            found = self._script.get(other)
            if found is None:
                out.append([])
                continue
            stems, matrix, hub = found
            sims = matrix @ vector.astype(np.float32)
            k = min(HUB_NEIGHBOURS, len(sims))
            own_hub = float(np.partition(sims, -k)[-k:].mean())
            csls = 2 * sims - own_hub - hub
            n = min(PER_WORD, len(csls))
            best = np.argpartition(-csls, n - 1)[:n]
            best = best[np.argsort(-csls[best])]
            pairs = {stems[i]: float(sims[i]) for rank, i in enumerate(best)
                     if csls[i] >= (TOP_CSLS_MIN if rank == 0 else CSLS_MIN) and sims[i] >= COS_MIN}
            for i in self._sounding(surface, other):
                if sims[i] >= TRANSLIT_COS:
                    pairs[stems[i]] = max(pairs.get(stems[i], 0.0), float(sims[i]), LOANWORD)
            out.append(sorted(pairs.items(), key=lambda kv: -kv[1]))
        return out

    def _sounding(self, surface: str, script: bool) -> list[int]:
        """Indices of the ``script`` words whose skeleton equals the word's, or one begins with the other."""
        import bisect

        mine = skeleton(surface)
        if len(mine) < TRANSLIT_MIN:
            return []
        sounds = self._sounds.get(script, [])
        out = []
        lo = bisect.bisect_left(sounds, (mine[:TRANSLIT_MIN], -1))
        for sound, i in sounds[lo:lo + 500]:
            if not sound.startswith(mine[:TRANSLIT_MIN]):
                break
            short, long_ = sorted((mine, sound), key=len)
            if long_.startswith(short):
                out.append(i)
        return out


LOANWORD = 0.85  # strength of a word that sounds like the question's and that the model confirms


__all__ = ["Translator", "Words", "collect", "concat", "digest", "load", "make", "save", "surfaces"]
