"""The vault's own vocabulary: the terms its notes name or define, beside the SKOS scheme.

A research vault names far more things than a hand-made scheme will ever list: a project ("Heron"), a
metric ("Heron score"), an incident ("loss spike"), a method of its own («ступенчатая разморозка»). The
notes themselves say which phrases are terms, and where each is defined:

    kind      where it comes from                                   what it cites
    title     the note's name                                       the note's first passages
    alias     a frontmatter alias                                   the note's first passages
    heading   a heading (numbering, emoji and "Step 2." dropped)    the section
    bold      a **bold** phrase of one to six words                 the passage holding it
    row       the first cell of a table row                         the row
    field     a Dataview key (``полив_частота::`` → "полив частота")  its line
    pair      a phrase followed by its translation in brackets,     the passage holding it
              both ways: «обрезки градиентов (gradient clipping)»

A pair also records the other side (``partner``): the bilingual pairs the vault states are what lets an
English question reach a Russian note that names the English term, and the other way round. A term's
``key`` is its stemmed words (``text.words.tokenize``), so "loss spikes" meets "Loss spike" and «скачки лосса»
meets «Скачок лосса». Terms are extracted per note with its passages and stored with them
(``replace_terms``): they are always as current as the index.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..extract.units import plain
from ..model import ParsedNote
from ..text.words import HYPHENATED_LETTERS as _WORD
from ..text.words import STOP, tokenize
from .passages import Passage

KINDS = ("title", "alias", "heading", "bold", "row", "field", "pair")
# how much a kind of term says "this is where it is defined": a title, an alias or a bold phrase define;
# a heading introduces; a table row, a Dataview key or a bracketed translation only name
DEFINES = {"title": 1.0, "alias": 1.0, "bold": 1.0, "heading": 0.8, "pair": 0.6, "row": 0.5, "field": 0.5}
MAX_WORDS = 6  # a longer phrase is a statement, not a term
MAX_CHARS = 80
MAX_PER_NOTE = 400  # a hostile note cannot flood the vocabulary
_BOLD = re.compile(r"\*\*([^*\n]{2,80}?)\*\*|__([^_\n]{2,80}?)__")
_LEAD = re.compile(r"^[\W\d_]*(?:(?:шаг|step|часть|part|глава|chapter)\s*\d+\s*[.:)]?\s*)?", re.IGNORECASE)
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_STOPS = re.compile(r"[,.;:!?«»\"“”—–()\[\]]")
_NUMBER = re.compile(r"(?<![\w-])[\d.,–%+-]*\d[\d.,–%+-]*(?![\w-])|%")  # a number standing alone


@dataclass(frozen=True)
class Term:
    key: str  # stemmed words, space-joined
    text: str  # as written
    kind: str  # one of KINDS
    path: str
    line: int
    end_line: int
    lang: str  # "ru", "en" or "" (neither script)
    partner: str = ""  # the other-language side of a pair

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": self.kind, "path": self.path, "line": self.line, "end_line": self.end_line,
                "lang": self.lang, "partner": self.partner or None}


def term_key(text: str) -> str:
    return " ".join(tokenize(text))


def script(text: str) -> str:
    latin, cyrillic = len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))
    return "ru" if cyrillic > latin else "en" if latin else ""


def clean_heading(title: str) -> str:
    """A heading as a term: without leading numbering, emoji, "Step 2." or trailing colons."""
    return _LEAD.sub("", title).strip(" :.-—")


def pairs(text: str) -> list[tuple[str, str]]:
    """(phrase, translation) for every "phrase (translation)" of ``text`` whose two sides are written in
    different scripts. The phrase is as many words before the bracket as the translation has (hyphenated
    parts counted), up to four, stopping at punctuation or a word in the translation's script."""
    out = []
    depth_start = None
    for i, ch in enumerate(text):  # one pass, innermost brackets only: linear in the text
        if ch == "(":
            depth_start = i
        elif ch == ")" and depth_start is not None:
            inner, before = text[depth_start + 1:i], text[:depth_start]
            depth_start = None
            for part in re.split(r"[,;/]", inner):
                part = part.strip()
                theirs = script(part)
                if not theirs or len(part) > MAX_CHARS or _NUMBER.search(part):
                    continue  # "(30–40% задач)" is a figure, not a translation
                n = min(4, sum(len(w.split("-")) for w in _WORD.findall(part)))
                phrase = _words_before(before[-200:], n, theirs)
                if phrase and script(phrase) not in ("", theirs):
                    out.append((phrase, part))
    return out


def _words_before(text: str, n: int, other: str) -> str:
    tail = _STOPS.split(text.replace("*", "").replace("_", " "))[-1].strip()
    words = tail.split()
    picked: list[str] = []
    for w in reversed(words):
        if script(w) in ("", other) or len(picked) >= n:
            break
        picked.insert(0, w)
        n -= len(w.split("-")) - 1  # a hyphenated word stands for its parts
    while picked and picked[0].lower() in STOP:  # «с прогревом (warm-up)»: the term is «прогревом»
        picked.pop(0)
    return " ".join(picked)


def note_terms(note: ParsedNote, passages: Sequence[Passage]) -> list[Term]:
    """The terms one note names or defines, each with the lines it cites."""
    claims = [p for p in passages if p.field == "claim"]
    first = min(claims, key=lambda p: (p.position, p.line)) if claims else None
    found: list[tuple[str, str, int, int, str]] = []  # (text, kind, line, end_line, partner)
    if first is not None:
        for name in (note.title, *note.aliases):
            found.append((name, "alias" if name != note.title else "title", first.line, first.end_line, ""))
    for s in note.sections:
        found.append((clean_heading(s.title), "heading", s.line, s.end_line, ""))
    titles = {c.line for c in note.callouts}  # "[!nexus_agent] **Assistant** - date" names no term
    for block in note.blocks:
        for m in _BOLD.finditer(block.text):
            line = block.line + block.text.count("\n", 0, m.start())
            if line not in titles:
                found.append((m.group(1) or m.group(2), "bold", line, line, ""))
    for table in note.tables:
        column = next((i for i, h in enumerate(table.header) if not re.fullmatch(r"\s*(№|#|no\.?|n)?\s*", h,
                                                                                   re.IGNORECASE)), 0)
        for row in table.rows:
            if column < len(row.cells):
                found.append((plain(row.cells[column]), "row", row.line, row.line, ""))
    for f in note.fields:
        found.append((f.key.replace("_", " "), "field", f.line, f.line, ""))
    for p in claims:
        for phrase, translation in pairs(p.text):
            found.append((phrase, "pair", p.line, p.end_line, translation))
            found.append((translation, "pair", p.line, p.end_line, phrase))
    out: list[Term] = []
    seen: set[tuple[str, str, int]] = set()
    for text, kind, line, end, partner in found:
        text = " ".join(text.split())
        if not text or len(text) > MAX_CHARS or len(text.split()) > MAX_WORDS:
            continue
        key = term_key(text)
        if not key or (key, kind, line) in seen:
            continue
        seen.add((key, kind, line))
        out.append(Term(key, text, kind, note.path, line, end, script(text), " ".join(partner.split())))
        if len(out) >= MAX_PER_NOTE:
            break
    return out


# --- the store ---------------------------------------------------------------------------------------

_COLUMNS = ("key", "text", "kind", "path", "line", "end_line", "lang", "partner")


def replace_terms(conn: sqlite3.Connection, path: str, terms: Iterable[Term]) -> None:
    conn.execute("DELETE FROM terms WHERE path = ?", (path,))
    add_terms(conn, terms)


def add_terms(conn: sqlite3.Connection, terms: Iterable[Term]) -> None:
    """Write a note's terms (it has none stored: ``replace_terms`` otherwise)."""
    conn.executemany(f"INSERT INTO terms ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                     [tuple(getattr(t, c) for c in _COLUMNS) for t in terms])


def remove_terms(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    conn.executemany("DELETE FROM terms WHERE path = ?", [(p,) for p in paths])


def terms_of(conn: sqlite3.Connection, path: str) -> list[Term]:
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT {', '.join(_COLUMNS)} FROM terms WHERE path = ? ORDER BY line, kind, key", (path,))
    return [Term(*r) for r in rows]


def all_terms(conn: sqlite3.Connection) -> list[Term]:
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT {', '.join(_COLUMNS)} FROM terms ORDER BY key, path, line")
    return [Term(*r) for r in rows]


def lookup(conn: sqlite3.Connection, keys: Sequence[str], whole_up_to: int | None = None
           ) -> tuple[list[Term], dict[str, int]]:
    """The terms whose key is one of ``keys``, and for each key how many notes define it. With ``whole_up_to``,
    a key more notes define gives only its pairs (a heading every note has, "Risks", is hundreds of rows at
    10,000 notes, of which a question uses the other-language sides)."""
    keys = list(dict.fromkeys(k for k in keys if k))
    if not keys:
        return [], {}
    cursor = conn.cursor()
    cursor.row_factory = None
    marks = ",".join("?" * len(keys))
    notes = dict(cursor.execute(f"SELECT key, COUNT(DISTINCT path) FROM terms WHERE key IN ({marks}) GROUP BY key",
                                keys).fetchall())
    many = [k for k in keys if whole_up_to is not None and notes.get(k, 0) > whole_up_to]
    only_pairs = f" AND (kind = 'pair' OR key NOT IN ({','.join('?' * len(many))}))" if many else ""
    found = [Term(*r) for r in cursor.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM terms WHERE key IN ({marks}){only_pairs} ORDER BY key, path, line",
        [*keys, *many])]
    return found, notes


def partners(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, list[str]]:
    """For each of ``keys``, the other-language sides of the pairs the vault states for it."""
    found, _ = lookup(conn, keys)
    out: dict[str, list[str]] = {}
    for t in found:
        if t.kind == "pair" and t.partner:
            out.setdefault(t.key, []).append(t.partner)
    return out


__all__ = ["KINDS", "Term", "all_terms", "clean_heading", "lookup", "note_terms", "pairs", "partners",
           "remove_terms", "replace_terms", "script", "term_key", "terms_of"]
