"""Cut a parsed note into the pieces a person cites: list items, table rows, sentences, paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import ParsedNote
from .wording import column_meaning

LONG_PARAGRAPH = 280  # characters: longer paragraphs are cited sentence by sentence
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ0-9«\"(\[*])")
# a full stop after these does not end a sentence ("Wei et al. 2022", "e.g. LoRA", «и др. 2021»)
_ABBREVIATION = re.compile(r"(?:\bet al|\be\.g|\bi\.e|\bcf|\bvs|\bFig|\bEq|\bNo|\bSec|\bч|\bт\.е|"
                           r"\bт\.к|\bдр|\bсм|\bрис|\bгл|\bстр|\b[A-ZА-ЯЁ])\.$")
_WIKILINK = re.compile(r"!?\[\[([^\]|#]*)(?:#\^?([^\]|]*))?(?:\\?\|([^\]]*))?\]\]")
_FOOTREF = re.compile(r"\[\^[^\]]+\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|~~|`)")
_MDLINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"(?<![\w#])#[^\s#]+")
_BRACKETED_FIELD = re.compile(r"[\[(][^\[\]()]*?::[^\[\]()]*[\])]")
_INLINE_FIELD = re.compile(r"^\s*\**[\w\- ]+\**::\s*")


@dataclass(frozen=True)
class Unit:
    raw: str  # inline Markdown as written
    text: str  # readable text: links by their shown text, no emphasis marks or footnote refs
    line: int
    end_line: int
    section: int | None
    callout: int | None
    origin: str  # "item" | "paragraph" | "sentence" | "row" | "fact"
    cells: tuple[tuple[str, str], ...] = ()
    group: int = -1  # sentences of one paragraph share a group


def plain(raw: str) -> str:
    # a link reads as its alias, else its note, else the heading it points at ([[#Aliases]] → "Aliases")
    text = _WIKILINK.sub(lambda m: (m.group(3) or m.group(1) or m.group(2) or "").strip(), raw)
    text = _MDLINK.sub(lambda m: m.group(1), text)
    text = _FOOTREF.sub("", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def units(note: ParsedNote) -> list[Unit]:
    out: list[Unit] = []
    callout_lines = {c.line for c in note.callouts}
    for number, block in enumerate(note.blocks):
        raw, line = block.text, block.line
        if line in callout_lines and block.callout is not None:  # drop the "[!type] title" line
            first, _, rest = raw.partition("\n")
            if not rest.strip():
                continue
            raw, line = rest, line + 1
        if _INLINE_FIELD.match(raw) and "\n" not in raw.strip():
            continue  # a bare `key:: value` line is markup, read by the explicit-markup rules
        text = plain("\n".join(x for x in raw.split("\n") if not _INLINE_FIELD.match(x)))
        bare = _BRACKETED_FIELD.sub("", _TAG.sub("", text))
        if len(text) < 12 or not re.search(r"[^\W\d_]{3}", bare):
            continue  # too short to say anything, or only tags and [key:: value] markup
        if block.kind == "paragraph" and len(text) > LONG_PARAGRAPH:
            out.extend(_sentences(raw, line, block.section, block.callout, number))
        else:
            out.append(Unit(raw, text, line, block.end_line, block.section, block.callout, block.kind))
    for table in note.tables:
        meanings = tuple(column_meaning(h) for h in table.header)
        section = _section_at(note, table.line)
        for row in table.rows:
            cells = tuple((meanings[i] if i < len(meanings) else "other", plain(c)) for i, c in enumerate(row.cells))
            raw = " | ".join(row.cells)
            text = "; ".join(f"{table.header[i]}: {c}" if i < len(table.header) and table.header[i] else c
                             for i, (_, c) in enumerate(cells) if c and meanings[i] != "number")
            if text:
                out.append(Unit(raw, text, row.line, row.line, section, table.callout, "row", cells))
        out += _facts(table, section)
    out.sort(key=lambda u: (u.line, u.end_line))
    return out


# A table that asks a question in a column ("Уменьшает модель?", "Needs booking?") and answers it with marks
# in the cells: each row's answer is a statement of its own ("LoRA — Уменьшает модель?: да").
_MARKS = {"✅": "yes", "✔": "yes", "✔️": "yes", "☑": "yes", "☑️": "yes", "🟢": "yes", "+": "yes",
          "❌": "no", "✖": "no", "✗": "no", "✘": "no", "🔴": "no", "−": "no",
          "➖": "partly", "🟡": "partly", "±": "partly", "~": "partly", "↑": "higher", "↓": "lower"}
_WORDS = {"yes": ("yes", "да"), "no": ("no", "нет"), "partly": ("partly", "частично"),
          "higher": ("higher", "выше"), "lower": ("lower", "ниже")}
_MARK = re.compile("^(" + "|".join(re.escape(m) for m in sorted(_MARKS, key=len, reverse=True)) + r")\s*(.*)$")
FACT_SHARE = 0.8  # of a column's filled cells that must be a mark
_FACT_END = re.compile(r" — [^—]*: (" + "|".join(w for pair in _WORDS.values() for w in pair) + r")(?: \(.*\))?$")


def fact_meaning(text: str) -> str | None:
    """What a table statement (``_facts``: "Метод: LoRA — Уменьшает модель?: да") answers: "yes", "no",
    "partly", "higher" or "lower"; None for any other text."""
    m = _FACT_END.search(text)
    if not m:
        return None
    return next(meaning for meaning, pair in _WORDS.items() if m.group(1) in pair)


def mark(cell: str) -> tuple[str, str] | None:
    """(meaning, a note) when ``cell`` is an answer mark, bare or with a bracketed note: "✅ (на facts)" →
    ("yes", "(на facts)"); "↑ Accuracy на reasoning" is a statement of its own, not a mark."""
    m = _MARK.match(cell.strip())
    if not m or (m.group(2).strip() and not m.group(2).strip().startswith("(")):
        return None
    return _MARKS[m.group(1)], m.group(2).strip()


def _facts(table, section: int | None) -> list[Unit]:
    header = table.header
    label_at = next((i for i, h in enumerate(header) if column_meaning(h) != "number"), 0)
    out = []
    for col, title in enumerate(header):
        if col == label_at or not title.strip():
            continue
        cells = [plain(r.cells[col]) for r in table.rows if col < len(r.cells) and r.cells[col].strip()]
        marked = [c for c in cells if mark(c)]
        if not cells or len(marked) < FACT_SHARE * len(cells):
            continue
        russian = bool(re.search("[а-яё]", title, re.IGNORECASE))
        for row in table.rows:
            if col >= len(row.cells) or label_at >= len(row.cells):
                continue
            label, found = plain(row.cells[label_at]), mark(plain(row.cells[col]))
            if not label or not found:
                continue
            meaning, rest = found
            word = _WORDS[meaning][1 if russian else 0]
            named = f"{header[label_at].strip()}: {label}" if header[label_at].strip() else label
            text = f"{named} — {title.strip()}: {word}" + (f" {rest}" if rest else "")
            out.append(Unit(" | ".join(row.cells), text, row.line, row.line, section, table.callout, "fact",
                            (("fact", meaning),)))
    return out


def _sentences(raw: str, line: int, section: int | None, callout: int | None, group: int) -> list[Unit]:
    out = []
    start = 0
    pieces = [m.start() for m in _SENTENCE_END.finditer(raw) if not _ABBREVIATION.search(raw[:m.start()])]
    pieces.append(len(raw))
    for end in pieces:
        chunk = raw[start:end].strip()
        if chunk:
            offset = start + (len(raw[start:end]) - len(raw[start:end].lstrip()))
            first = line + raw.count("\n", 0, offset)
            last = line + raw.count("\n", 0, offset + len(chunk))
            text = plain(chunk)
            if len(text) >= 12:
                out.append(Unit(chunk, text, first, last, section, callout, "sentence", group=group))
        start = end
    return out


def _section_at(note: ParsedNote, line: int) -> int | None:
    best = None
    for i, s in enumerate(note.sections):
        if s.line <= line <= s.end_line and (best is None or s.line >= note.sections[best].line):
            best = i
    return best
