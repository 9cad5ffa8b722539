"""The concept index: SKOS labels → fast, inflection-robust concept mentions and entity linking.

Text is split once by one regular expression into tokens (a Latin run, a Cyrillic run, a digit run or
a run of other letters), and every label is split the same way (``text.words.concept_tokens``; the keys
are ``text.words.concept_key``). A token's matching key is

* Cyrillic: the Snowball (PyStemmer) Russian stem of the lower-cased word, ``ё`` read as ``е``, with
  a fleeting vowel dropped before a final к/ц (цепочек → цепочк), so «цепочкой рассуждений» and
  «цепочек рассуждений» meet the label «цепочка рассуждений»;
* Latin: the case-folded word with a plural ``-s``/``-es``/``-ies`` and a final ``-e`` removed
  ("adapters" = "adapter", "LLMs" = "LLM", "caches" = "cache"); nothing stronger, so that
  "reason" never becomes "reasoning" and "token" never becomes "tokenizer";
* anything else: its NFKC case-folded form.

Labels are paths of keys in a trie. Between two tokens, whitespace and one hyphen are the same
("chain-of-thought" = "chain of thought", «LoRA-дообучения» = «LoRA дообучения»); any other
punctuation is part of the path ("LLM.int8", "Reason+Act"), and a line break always ends a match.
Tokens never split words, so "LoRA" is not found in "QLoRA" and "RAG" not in "fragment".

Short abbreviations that are also words (a one-token label of at most four Latin letters with a
capital, e.g. RAG, CoT, MoE, ToT, RoPE, YaRN, DARE, TIES, RM) only match as written or in capitals,
optionally with a plural "s": "RAG", "RAGs", "COT" match, "rag", "cot", "rope", "dare", "rm" do not.
Inside longer labels ("CoT-рассуждения", "KV cache") they match in any case.
``find`` returns leftmost-longest, non-overlapping matches; ``lookup`` matches a whole string
against the labels in any case (it links the entities of a question).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..text.words import CONCEPT_TOKEN, KEYS, concept_key

CONCEPT_NS = "https://vaultgraph.dev/concept/"
_VG = "https://vaultgraph.dev/ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SCHEMES = {_VG + "MethodScheme": "method", _VG + "CapabilityScheme": "capability",
            _VG + "PhenomenonScheme": "phenomenon"}


@dataclass(frozen=True)
class Concept:
    """A SKOS concept, or one a vault note defines (``scheme == "vault"``)."""

    id: str  # local name, e.g. "LoRA"
    iri: str
    scheme: str  # "method" | "capability" | "phenomenon" | "vault"
    label_en: str
    label_ru: str | None
    labels: tuple[str, ...]  # every pref/alt label, prefLabels first
    broader: tuple[str, ...]  # ids
    definition: str | None = None
    related: tuple[str, ...] = ()  # skos:related ids, both directions


@dataclass(frozen=True)
class Mention:
    """A label found in a text; ``text[start:end] == self.text``."""

    concept: str  # id
    start: int
    end: int
    text: str
    ordinary: bool = False  # found through an ordinary word ("attention", "pruning"): see ``ordinary_label``


# --- tokens and keys -------------------------------------------------------------------------------

_SOFT_GAPS = frozenset({" ", "-", "", "\u00a0", "  ", " - ", "\t"})
_GAP_CHARS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
                            "\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_END = "\x00"  # trie key of a node's concept id; never a token key
_PLAIN = "\x02"  # trie key marking a node one of whose labels is an ordinary word
_STRICT_MAX = 4  # one-token labels of at most this many letters (with a capital) are case-sensitive
_STRICT_WORDS = frozenset({"react"})  # longer one-token labels that are ordinary English words


def _gap(gap: str) -> str | None:
    """'' when two tokens may join freely, the punctuation that joins them, or None (no match across)."""
    if gap in _SOFT_GAPS:
        return ""
    if "\n" in gap or len(gap) > 8:
        return None
    gap = "".join(gap.split()).translate(_GAP_CHARS)
    return "" if gap in ("", "-") else gap


def _path(label: str) -> tuple[tuple[str, ...], str | None]:
    """A label's trie path (token keys, joining punctuation folded in) and its case-sensitive root key."""
    keys: list[str] = []
    prev_end = None
    matches = list(CONCEPT_TOKEN.finditer(label))
    for m in matches:
        key = KEYS.get(m.group()) or concept_key(m.group())
        gap = "" if prev_end is None else _gap(label[prev_end:m.start()])
        keys.append(key[0] if not gap else gap + "\x01" + key[0])
        prev_end = m.end()
    strict = None
    if len(matches) == 1:
        word = matches[0].group()
        if word.isascii() and word.isalpha() and not word.islower() and \
                (len(word) <= _STRICT_MAX or word.casefold() in _STRICT_WORDS):
            strict = word
    return tuple(keys), strict


def ordinary_label(label: str) -> bool:
    """A label that is also an ordinary word: one lower-case word, or two joined by a hyphen
    ("attention", "pruning", "calibration", "fine-tuning", «внимание»). Such a word names the concept only
    in a text that speaks of the scheme's domain (``domain_mentions``): "fine-tuning the compost mix" or
    "pruning fruit trees" are not about fine-tuning or pruning a model. Abbreviations, names and
    multi-word terms ("LoRA", "Transformer", "catastrophic forgetting") name their concept anywhere."""
    parts = label.split("-")
    return len(parts) <= 2 and all(p.isalpha() and p.islower() for p in parts)


def domain_mentions(mentions: list[Mention], own: bool = False, enough: int | None = None) -> list[Mention]:
    """``mentions`` of one text (a note, a question) without those through ordinary words, unless the
    text speaks of the domain: it mentions a concept through a label that is not an ordinary word, or it
    defines a concept (``own``). A question is short: ``enough`` concepts named by ordinary words make it
    speak of the domain too ("how to stop an adapter from overriding the model's reasoning"); a note that
    says "pruning", "fine-tuning" and "attention" may still be about a hedge and a lawn."""
    plain = {m.concept for m in mentions if m.ordinary}
    if own or any(not m.ordinary for m in mentions) or (enough is not None and len(plain) >= enough):
        return mentions
    return [m for m in mentions if not m.ordinary]


# --- the index -------------------------------------------------------------------------------------

class ConceptIndex:
    """Concepts by id, a label trie for ``find`` and an exact-label table for ``lookup``."""

    def __init__(self, concepts: Iterable[Concept] = ()) -> None:
        self._concepts: dict[str, Concept] = {}
        self._root: dict = {}
        self._exact: dict[tuple[str, ...], str] = {}
        self.conflicts: list[tuple[str, str, str]] = []  # (label, concept kept, concept refused)
        concepts = list(concepts)
        for concept in concepts:
            self._concepts[concept.id] = concept
        # prefLabels claim their keys before any altLabel does
        for concept in concepts:
            self._register(concept.id, (concept.label_en, concept.label_ru))
        for concept in concepts:
            self._register(concept.id, concept.labels)

    @classmethod
    def load(cls, path: Path | None = None) -> ConceptIndex:
        """Read a SKOS Turtle file (default: ``schema/concepts.ttl``)."""
        import pyoxigraph

        if path is None:
            from ..resources import schema_dir

            path = schema_dir() / "concepts.ttl"
        props: dict[str, dict[str, list]] = {}
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            subject = t.subject
            if isinstance(subject, pyoxigraph.NamedNode) and subject.value.startswith(CONCEPT_NS):
                props.setdefault(subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
        concepts = [_concept(iri, p) for iri, p in props.items() if _SKOS + "Concept" in _values(p, _RDF_TYPE)]
        inverse: dict[str, list[str]] = {}
        for c in concepts:  # skos:related is symmetric; the file states each pair once
            for r in c.related:
                inverse.setdefault(r, []).append(c.id)
        return cls(replace(c, related=tuple(dict.fromkeys((*c.related, *inverse.get(c.id, ()))))) for c in concepts)

    # --- building ------------------------------------------------------------------------------

    def add(self, concept: Concept) -> None:
        """Add a vault concept, or enrich the concept one of its labels (or its id) already names."""
        target = next((hit for label in (concept.label_en, concept.label_ru, *concept.labels, concept.id)
                       if label and (hit := self.lookup(label))), None)
        if target is None:
            self._concepts[concept.id] = replace(concept, broader=self._ids(concept.broader, concept.id))
            self._register(concept.id, (concept.label_en, concept.label_ru, *concept.labels))
            return
        old = self._concepts[target]
        new = [x for x in dict.fromkeys((concept.label_en, concept.label_ru, *concept.labels))
               if x and x not in old.labels and self.lookup(x) in (None, target)]
        self._concepts[target] = replace(
            old, labels=old.labels + tuple(new), label_ru=old.label_ru or concept.label_ru,
            broader=tuple(dict.fromkeys(old.broader + self._ids(concept.broader, target))),
            definition=old.definition or concept.definition)
        self._register(target, new)

    def _ids(self, refs: Iterable[str], own: str) -> tuple[str, ...]:
        ids = (ref if ref in self._concepts else self.lookup(ref) for ref in refs)
        return tuple(dict.fromkeys(i for i in ids if i and i != own))

    def _register(self, cid: str, labels: Iterable[str | None]) -> None:
        for label in labels:
            if not label:
                continue
            keys, strict = _path(label)
            if not keys:
                continue
            if self._exact.setdefault(keys, cid) != cid:
                self.conflicts.append((label, self._exact[keys], cid))
            if strict:
                for variant in dict.fromkeys((strict, strict.upper())):
                    self._claim(self._root.setdefault("=" + variant, {}), cid, label)
                continue
            node = self._root
            for key in keys:
                node = node.setdefault(key, {})
            self._claim(node, cid, label)

    def _claim(self, node: dict, cid: str, label: str) -> None:
        if node.setdefault(_END, cid) != cid and (label, node[_END], cid) not in self.conflicts:
            self.conflicts.append((label, node[_END], cid))
        node[_PLAIN] = node.get(_PLAIN, False) or ordinary_label(label)  # the text may be that ordinary word

    # --- queries ---------------------------------------------------------------------------------

    def find(self, text: str) -> list[Mention]:
        """Leftmost-longest, non-overlapping concept mentions in ``text``, ordered by start."""
        cached, miss = KEYS.get, concept_key
        tokens = list(CONCEPT_TOKEN.finditer(text))
        keys = [cached(w) or miss(w) for w in map(re.Match.group, tokens)]
        root, out, n, i = self._root, [], len(tokens), 0
        while i < n:
            key, strict = keys[i]
            best, best_j = None, i
            plain = False
            for node in (root.get(key), root.get(strict) if strict else None):
                j = i
                while node is not None:
                    if _END in node and (best is None or j > best_j):
                        best, best_j, plain = node[_END], j, node.get(_PLAIN, False)
                    if j + 1 >= n:
                        break
                    gap = _gap(text[tokens[j].end():tokens[j + 1].start()])
                    if gap is None:
                        break
                    j += 1
                    node = node.get(keys[j][0] if not gap else gap + "\x01" + keys[j][0])
            if best is None:
                i += 1
                continue
            start, end = tokens[i].start(), tokens[best_j].end()
            out.append(Mention(best, start, end, text[start:end], plain))
            i = best_j + 1
        return out

    def lookup(self, label: str) -> str | None:
        """The concept whose label (or id) is exactly ``label``, ignoring case, inflection and hyphens."""
        keys, _ = _path(label)
        hit = self._exact.get(keys) if keys else None
        return hit or (label if label in self._concepts else None)

    def get(self, id: str) -> Concept:
        return self._concepts[id]

    def ancestors(self, id: str) -> list[str]:
        """The ``broader`` closure of a concept, breadth-first: parents, then grandparents, …"""
        out: list[str] = []
        seen, queue = {id}, deque([id])
        while queue:
            concept = self._concepts.get(queue.popleft())
            for parent in concept.broader if concept else ():
                if parent not in seen:
                    seen.add(parent)
                    out.append(parent)
                    queue.append(parent)
        return out

    # --- as data -------------------------------------------------------------------------------------

    def to_data(self) -> dict:
        """The built index as JSON data (``from_data`` reads it back): a reader loads it instead of keying every
        label again (1,500 concepts: 0.07 s of each question's and comparison's start)."""
        return {"concepts": [{**vars(c)} for c in self._concepts.values()], "root": self._root,
                "exact": [[list(k), v] for k, v in self._exact.items()], "conflicts": [list(c) for c in self.conflicts]}

    @classmethod
    def from_data(cls, data) -> ConceptIndex:
        """The index ``to_data`` gave; ``ValueError`` when ``data`` is not of that shape (a damaged or foreign
        file): the trie is walked whole, so nothing malformed is met later by ``find``."""
        try:
            index = cls()
            for c in data["concepts"]:
                concept = Concept(**{**c, **{k: tuple(c[k]) for k in ("labels", "broader", "related")}})
                if not all(isinstance(v, str) for v in (concept.id, concept.iri, concept.scheme, concept.label_en,
                                                        *concept.labels, *concept.broader, *concept.related)) \
                        or not all(v is None or isinstance(v, str) for v in (concept.label_ru, concept.definition)):
                    raise ValueError("a concept of another shape")
                index._concepts[concept.id] = concept
            index._exact = {tuple(keys): cid for keys, cid in data["exact"]}
            index.conflicts = [tuple(c) for c in data["conflicts"]]
            index._root = data["root"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a concept index: {exc}") from exc

        def known(cid) -> bool:
            return isinstance(cid, str) and cid in index._concepts

        if not all(all(isinstance(k, str) for k in keys) and known(cid) for keys, cid in index._exact.items()):
            raise ValueError("an exact label of another shape")
        stack = [index._root]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                raise ValueError("a trie node of another shape")
            for key, value in node.items():
                if not (known(value) if key == _END else isinstance(value, bool) if key == _PLAIN else
                        isinstance(value, dict)):
                    raise ValueError("a trie entry of another shape")
                if isinstance(value, dict):
                    stack.append(value)
        return index

    def __contains__(self, id: object) -> bool:
        return id in self._concepts

    def __iter__(self) -> Iterator[Concept]:
        return iter(self._concepts.values())

    def __len__(self) -> int:
        return len(self._concepts)


def _values(props: dict[str, list], predicate: str) -> list[str]:
    return [o.value for o in props.get(predicate, ())]


def _concept(iri: str, props: dict[str, list]) -> Concept:
    """A ``Concept`` from the triples of one subject (objects are pyoxigraph terms)."""
    pref = {o.language: o.value for o in props.get(_SKOS + "prefLabel", ()) if getattr(o, "language", None)}
    labels = [o.value for p in (_SKOS + "prefLabel", _SKOS + "altLabel", _SKOS + "hiddenLabel")
              for o in props.get(p, ())]
    definitions = [o for o in props.get(_SKOS + "definition", ())]
    definition = next((o.value for o in definitions if getattr(o, "language", None) == "en"),
                      definitions[0].value if definitions else None)
    schemes = [_SCHEMES[s] for s in _values(props, _SKOS + "inScheme") if s in _SCHEMES]
    local = iri[len(CONCEPT_NS):]
    return Concept(
        id=local, iri=iri, scheme=schemes[0] if schemes else "method",
        label_en=pref.get("en") or (labels[0] if labels else local), label_ru=pref.get("ru"),
        labels=tuple(dict.fromkeys(labels)),
        broader=tuple(b[len(CONCEPT_NS):] for b in _values(props, _SKOS + "broader") if b.startswith(CONCEPT_NS)),
        definition=definition,
        related=tuple(r[len(CONCEPT_NS):] for r in _values(props, _SKOS + "related") if r.startswith(CONCEPT_NS)))
