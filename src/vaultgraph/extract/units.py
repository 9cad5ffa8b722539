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
_ABBREVIATION_REACH = 16  # characters before a sentence end that hold any abbreviation above and a boundary
_WIKILINK = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\\?\|([^\]]*))?\]\]")
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
    origin: str  # "item" | "paragraph" | "sentence" | "row"
    cells: tuple[tuple[str, str], ...] = ()
    group: int = -1  # sentences of one paragraph share a group


def plain(raw: str) -> str:
    text = _WIKILINK.sub(lambda m: (m.group(2) or m.group(1) or "").strip(), raw)
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
    out.sort(key=lambda u: (u.line, u.end_line))
    return out


def _sentences(raw: str, line: int, section: int | None, callout: int | None, group: int) -> list[Unit]:
    """The sentences of a long paragraph, each with its lines.

    Linear in the paragraph: an abbreviation is looked for in the few characters before a sentence end
    (it ends there, and none is longer than ``_ABBREVIATION_REACH``), and lines are counted on from the
    previous sentence. Searching all the text before every sentence end, and counting its lines from the
    start, was quadratic: a paragraph of 8,000 one-line sentences took 49 s."""
    out = []
    start = 0
    pieces = [m.start() for m in _SENTENCE_END.finditer(raw)
              if not _ABBREVIATION.search(raw, max(0, m.start() - _ABBREVIATION_REACH), m.start())]
    pieces.append(len(raw))
    counted, lines = 0, 0  # newlines in raw[:counted]
    for end in pieces:
        chunk = raw[start:end].strip()
        if chunk:
            offset = start + (len(raw[start:end]) - len(raw[start:end].lstrip()))
            lines += raw.count("\n", counted, offset)
            first = line + lines
            last = first + chunk.count("\n")
            counted = offset
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
