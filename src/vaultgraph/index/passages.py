"""Passages: what the search index holds and what an answer cites.

A passage is a claim of the graph (a list item, a table row, a sentence, a short paragraph), a
section (heading through its last line), or a long frontmatter field. Each keeps its exact lines, its
heading path, its role and kinds, the concepts it is about, and the sources it cites, so retrieval
and the graph speak of the same units and every answer cites lines a user can open.

Long generated frontmatter fields (the Receptor / Acceptor / … blocks some notes carry) become
passages of their own ``field="frontmatter"`` with a low weight: searchable, never drowning the
note's real content.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, replace

from .. import limits
from ..extract.records import NoteFacts
from ..extract.wording import is_question
from ..model import ParsedNote

SECTION_CHARS = 700  # a section passage shows (and embeds) its heading and this much of its text
CONTEXT_CHARS = 500  # of the note title and heading path embedded with a passage (a heading may have 1,000)
FRONTMATTER_MIN = 160  # a frontmatter value at least this long is a passage of its own
FRONTMATTER_WEIGHT = 0.35
SECTION_WEIGHT = 0.8
NO_ANSWER = 0.0  # weight of a passage that is searchable but never an answer: a list of links ("Related: [[A]],
# [[B]]"), a heading or title standing alone, a bare URL, an assistant's preamble
ROW_WITH_FACTS = 0.8  # a row whose marks became statements: each statement says its part better
LABEL_WORDS = 5  # a claim this short, without digits or a sentence mark, is a label: a heading, a title
PREAMBLE_CHARS = 400  # an assistant message this short followed by another one is its preamble
PROMPT_WEIGHT = 0.4  # a question, or what the user asked in a chat export: a request, not a finding
FIELD_WEIGHT = 0.6  # "LoRA: Catastrophic forgetting" from `risk:: [[…]]`: a true link, a thin statement
_NAVIGATION_REST = 16  # characters besides link titles below which a claim is a list of links
_LETTERS = re.compile(r"[\W\d_]+")  # what is not a letter: counting what a claim says besides its links
_SKIP_KEYS = {"tags", "tag", "aliases", "alias", "cssclasses", "cssclass"}
ANSWER_KEY, ANSWER_VALUE = "kg", "answer"  # frontmatter of a note `kg ask --save` wrote (service/saving.py)


@dataclass(frozen=True)
class Passage:
    id: str
    path: str
    line: int
    end_line: int
    heading: tuple[str, ...]
    field: str  # "claim" | "section" | "frontmatter"
    kinds: tuple[str, ...]  # claim kinds (claim, risk, problem, consequence, solution, limitation, result)
    role: str | None  # role of the section holding it
    text: str  # what an answer shows
    context: str  # note title and heading path: embedded and searched with the text
    about: tuple[str, ...] = ()
    affects: tuple[str, ...] = ()
    involves: tuple[str, ...] = ()
    direction: str | None = None
    cost: str | None = None
    sources: tuple[str, ...] = ()  # readable source texts ([[LoRA]], arXiv:2106.09685, Hu et al. 2021 …)
    author: str = "user"
    weight: float = 1.0
    topic: str | None = None  # the concept the whole note is about (its title or ``type: method``)
    position: int = 0  # order of the claim among its note's claims (a note's first claims define its topic)
    origin: str = ""  # of a claim: item, paragraph, sentence, row, field, callout

    @property
    def search_text(self) -> str:
        return search_text(self.context, self.text)

    @property
    def digest(self) -> str:
        """Key of the embedding cache: the text that is embedded."""
        return hashlib.sha1(self.search_text.encode("utf-8")).hexdigest()

    @property
    def cites(self) -> bool:
        """It cites something as support (a paper, a URL, a footnote, an author and year …); a bare
        [[wiki-link]] in running text is a link, not a citation."""
        return any(not s.startswith("[[") for s in self.sources)

    @property
    def concepts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.about, *self.affects, *self.involves)))


def search_text(context: str, text: str) -> str:
    """What is embedded and searched for a passage: where it sits, then what it says."""
    return f"{context}: {text}" if context else text


def note_passages(note: ParsedNote, facts: NoteFacts, topic: str | None = None) -> list[Passage]:
    """Every passage of one note, in line order; ``topic`` is the concept the note is about.

    No passage is longer than ``limits.CLAIM_CHARS`` (claims are cut to that in extraction, frontmatter values
    here): about what the default model reads (USE has no fixed window, but its memory grows by ~20 KB a
    token: a 1 MB passage took 3.5 GB; 2,000 characters are ~500 of its tokens; e5-small reads 512)."""
    source_text = {s.key: s.text for s in facts.sources}
    link_lines: dict[int, list[str]] = {}
    for link in note.links:
        if link.context != "frontmatter":
            link_lines.setdefault(link.line, []).append(link.alias or link.target or link.heading or "")
    linked_letters = {line: sum(len(_LETTERS.sub("", t)) for t in titles) for line, titles in link_lines.items()}
    prompts = [(m.line, m.end_line) for m in note.messages if m.role == "user"]
    preambles = _preambles(note)
    fact_lines = {c.line for c in facts.claims if c.origin == "fact"}
    out: list[Passage] = []
    for c in facts.claims:
        lines = range(c.line, c.end_line + 1)
        navigation = c.origin != "field" and _navigation(c.text, [link_lines.get(line, ()) for line in lines],
                                                          sum(linked_letters.get(line, 0) for line in lines))
        silent = navigation or _label(c) or _bare_url(c.text) or any(a <= c.line <= b for a, b in preambles)
        out.append(Passage(
            id=c.id, path=c.path, line=c.line, end_line=c.end_line, heading=c.heading, field="claim",
            kinds=c.kinds, role=c.role, text=c.text, context=_context(note.title, c.heading),
            about=c.about, affects=c.affects, involves=c.involves, direction=c.direction, cost=c.cost,
            sources=tuple(dict.fromkeys(source_text.get(k, k) for k in c.sources)), author=c.author, origin=c.origin,
            weight=NO_ANSWER if silent else _weight(c, is_question(c.text) or any(a <= c.line <= b for a, b in prompts),
                                                    c.origin == "row" and c.line in fact_lines)))
    out += _sections(note, facts, {p.id for p in out if p.weight == NO_ANSWER})
    out += _frontmatter(note)
    if saved_answer(note):  # a saved answer quotes the passages it cites: they answer, never its copies
        out = [replace(p, weight=NO_ANSWER) for p in out]
    out.sort(key=lambda p: (p.line, p.end_line, p.field, p.id))
    order = {p.id: i for i, p in enumerate(p for p in out if p.field == "claim" and p.origin != "field")}
    return [replace(p, topic=topic, position=order.get(p.id, len(order))) for p in out]


def saved_answer(note: ParsedNote) -> bool:
    """A note ``kg ask --save`` wrote (frontmatter ``kg: answer``): indexed like any note, searchable and
    linked, but every passage of it weighs ``NO_ANSWER``, so a question answered once is answered again from
    the notes it cites, not from the saved copy (which would outrank them: it holds their statements and the
    question's own words). Delete the key to make such a note count as one of your own."""
    return answer_mark(note.frontmatter.get(ANSWER_KEY))


def answer_mark(value) -> bool:
    """Whether a frontmatter value of ``ANSWER_KEY`` marks a saved answer (also read by ``reason.records``)."""
    return isinstance(value, str) and value.strip().lower() == ANSWER_VALUE


_SHOWN_MAX = 256  # link titles on a claim's lines beyond which it is a list of links, whatever else it says


def _navigation(text: str, shown_by_line: list, linked: int) -> bool:
    """A claim that mostly points at other notes: few words of its own, or links outweighing them.

    ``shown_by_line``: the titles of the links on each of its lines; ``linked``: their letters. What the claim
    says besides them is its text less the first occurrence of each title, in turn. That costs a pass over
    the text per title, so it is skipped when the answer is plain without it: when the claim has
    ``3 * _NAVIGATION_REST`` letters more than all the titles (removing them cannot bring it under), or when
    its lines hold over ``_SHOWN_MAX`` links (a line of thousands of links made every sentence on it pay
    for all of them)."""
    if not any(shown_by_line):
        return False
    if len(_LETTERS.sub("", text)) - linked >= 3 * _NAVIGATION_REST:
        return False
    if sum(map(len, shown_by_line)) > _SHOWN_MAX:
        return True
    shown = [t for titles in shown_by_line for t in titles]
    rest = text
    for t in shown:
        rest = rest.replace(t, "", 1)
    own = len(_LETTERS.sub("", rest))
    return own < _NAVIGATION_REST or (linked >= own and own < 3 * _NAVIGATION_REST)


def _weight(claim, prompt: bool, row_with_facts: bool = False) -> float:
    if prompt:
        return PROMPT_WEIGHT
    if row_with_facts:
        return ROW_WITH_FACTS
    return FIELD_WEIGHT if claim.origin == "field" else 1.0


_SENTENCE_MARK = re.compile(r"[.!?;…]|\d")
_URL = re.compile(r"https?://\S+|www\.\S+")


def _label(claim) -> bool:
    """A heading, a title or a name line standing alone ("Training Process", "🔹 Название: Таблица"): a few
    words, no digit, no sentence mark. A table's row or fact is never one."""
    return claim.origin not in ("row", "fact", "field") and len(claim.text.split()) <= LABEL_WORDS \
        and not _SENTENCE_MARK.search(claim.text)


def _bare_url(text: str) -> bool:
    return len(_LETTERS.sub("", _URL.sub("", text))) < 3


def _preambles(note: ParsedNote) -> list[tuple[int, int]]:
    """Line ranges of assistant messages that only announce the next one ("Хорошо. Соберу …"): a short
    message followed by another assistant message with no user message between."""
    out = []
    messages = sorted(note.messages, key=lambda m: m.line)
    lines = note.text.split("\n") if note.text else []
    for m, after in zip(messages, messages[1:]):
        if m.role == "assistant" and after.role == "assistant" and m.end_line - m.line < PREAMBLE_CHARS:
            if sum(len(x) + 1 for x in lines[m.line - 1:m.end_line]) <= PREAMBLE_CHARS:
                out.append((m.line, m.end_line))
    return out


def _context(title: str, heading: tuple[str, ...]) -> str:
    parts = [title, *(h for h in heading if h and h != title)]
    context = " › ".join(parts)
    return context if len(context) <= CONTEXT_CHARS else context[:CONTEXT_CHARS] + "…"


def _sections(note: ParsedNote, facts: NoteFacts, silent: set[str] = frozenset()) -> list[Passage]:
    """A passage per section holding claims: its heading and the start of its claims. The claims of a section
    are found by bisection of the claims sorted by line (scanning every claim for every section was
    quadratic); past ``limits.CLAIMS_CHARS`` characters of section passages the rest of the note's sections
    get none (they only repeat claims, which all have passages of their own)."""
    out, total = [], 0
    claims = sorted((c for c in facts.claims if c.id not in silent), key=lambda c: c.line)
    lines = [c.line for c in claims]
    for s in note.sections:
        span = claims[bisect.bisect_left(lines, s.line):bisect.bisect_right(lines, s.end_line)]
        inside = [c for c in span if c.heading[:len(s.path)] == s.path]
        if not inside:
            continue
        body, used = [], 0
        for c in inside:
            if used >= SECTION_CHARS:
                break
            body.append(c.text)
            used += len(c.text) + 1
        text = " ".join(body)
        text = text if len(text) <= SECTION_CHARS else text[:SECTION_CHARS].rsplit(" ", 1)[0] + " …"
        total += len(text)
        if total > limits.CLAIMS_CHARS:
            break
        about = tuple(dict.fromkeys(x for c in inside for x in c.about))
        affects = tuple(dict.fromkeys(x for c in inside for x in c.affects))
        involves = tuple(dict.fromkeys(x for c in inside for x in c.involves))
        kinds = tuple(dict.fromkeys(k for c in inside for k in c.kinds))
        author = "assistant" if all(c.author == "assistant" for c in inside) else "user"
        out.append(Passage(
            id=f"{note.path}#S{s.line}-{s.end_line}", path=note.path, line=s.line, end_line=s.end_line,
            heading=s.path, field="section", kinds=kinds, role=inside[0].role, text=text,
            context=_context(note.title, s.path), about=about, affects=affects, involves=involves,
            author=author, weight=SECTION_WEIGHT))
    return out


def _frontmatter(note: ParsedNote) -> list[Passage]:
    out = []
    for key, line, end in note.frontmatter_keys:
        value = note.frontmatter.get(key)
        if key.lower() in _SKIP_KEYS or not isinstance(value, str) or len(value) < FRONTMATTER_MIN:
            continue
        for first, last, text in _chunks(value, line, end):
            out.append(Passage(
                id=f"{note.path}#F{first}-{last}", path=note.path, line=first, end_line=last, heading=(),
                field="frontmatter", kinds=(), role=None, text=text, context=f"{note.title} › {key}",
                weight=FRONTMATTER_WEIGHT))
    return out


def _chunks(value: str, line: int, end: int) -> list[tuple[int, int, str]]:
    """A long value cut at blank lines into pieces of about ``SECTION_CHARS``, each with its lines, and none over
    ``limits.CLAIM_CHARS`` (a value without blank lines is cut between its lines, a line at blanks).

    A block scalar (``key: |-``) keeps one value line per file line, starting on the line after the
    key; any other form is cited as the key's whole range."""
    rows = value.split("\n")
    if len(rows) != end - line:
        return [(line, end, piece) for piece in _cut(" ".join(value.split()))]
    out, start, buf, size = [], None, [], 0  # size: characters in buf
    for i, row in enumerate(rows + [""]):
        if row.strip() and buf and size + len(buf) + len(row.strip()) > limits.CLAIM_CHARS:
            out.append((start, line + i, " ".join(buf)))  # the rows so far would grow too long with this one
            start, buf, size = None, [], 0
        if row.strip():
            start = line + 1 + i if start is None else start
            buf.append(row.strip())
            size += len(buf[-1])
        if buf and (not row.strip() and size >= SECTION_CHARS or i == len(rows)):
            last = line + i if not row.strip() else line + 1 + i
            out.append((start, last, " ".join(buf)))
            start, buf, size = None, [], 0
    return [(first, last, piece) for first, last, text in out for piece in _cut(text)]


def _cut(text: str) -> list[str]:
    """``text`` in pieces of at most ``limits.CLAIM_CHARS``, cut at blanks where there are some."""
    pieces, start, size = [], 0, limits.CLAIM_CHARS
    while len(text) - start > size:
        blank = text.rfind(" ", start + size // 2, start + size + 1)
        cut = blank if blank > start else start + size
        pieces.append(text[start:cut])
        start = cut + (text[cut] == " ")
    return pieces + [text[start:]] if start < len(text) else pieces
