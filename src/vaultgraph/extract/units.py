"""Cut a parsed note into the pieces a person cites: list items, table rows, sentences, paragraphs.

Every step is linear in the note, and what one note yields is bounded (``vaultgraph.limits``): a claim longer
than ``CLAIM_CHARS`` is cut into pieces (each a claim, cited by its own lines), and past ``CLAIMS`` claims or
``CLAIMS_CHARS`` characters the rest of the note is not extracted; ``units_and_cuts`` says where.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .. import limits
from ..markdown.links import shown, without_footnote_refs
from ..model import ParsedNote, Warning
from .wording import column_meaning

LONG_PARAGRAPH = 280  # characters: longer paragraphs are cited sentence by sentence
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ0-9«\"(\[*])")
# a full stop after these does not end a sentence ("Wei et al. 2022", "e.g. LoRA", «и др. 2021»)
_ABBREVIATION = re.compile(r"(?:\bet al|\be\.g|\bi\.e|\bcf|\bvs|\bFig|\bEq|\bNo|\bSec|\bч|\bт\.е|"
                           r"\bт\.к|\bдр|\bсм|\bрис|\bгл|\bстр|\b[A-ZА-ЯЁ])\.$")
_ABBREVIATION_REACH = 16  # characters before a sentence end that hold any abbreviation above and a boundary
_EMPHASIS = re.compile(r"(\*\*|__|\*|~~|`)")


@dataclass(frozen=True)
class Unit:
    raw: str  # inline Markdown as written
    text: str  # readable text: links by their shown text, no emphasis marks or footnote refs
    line: int
    end_line: int
    section: int | None
    callout: int | None
    origin: str  # "item" | "paragraph" | "sentence" | "row" | "fact" (also of each piece of one over CLAIM_CHARS)
    cells: tuple[tuple[str, str], ...] = ()
    group: int = -1  # sentences of one paragraph share a group


def plain(raw: str) -> str:
    text = without_footnote_refs(shown(raw))
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def units(note: ParsedNote) -> list[Unit]:
    return units_and_cuts(note)[0]


def units_and_cuts(note: ParsedNote) -> tuple[list[Unit], tuple[Warning, ...]]:
    """The note's units in line order, and a warning for each limit of one note that cut them."""
    cuts: dict[str, list[int]] = {}  # what was cut → [first line, count]
    budget = [limits.CLAIMS, limits.CLAIMS_CHARS]  # units and characters left to the blocks, then to the tables
    out = _block_units(note, cuts, budget)
    budget = [limits.CLAIMS, limits.CLAIMS_CHARS]
    out += _row_units(note, cuts, budget)
    out.sort(key=lambda u: (u.line, u.end_line))
    count = chars = 0
    for kept, unit in enumerate(out):  # the blocks' and the tables' units together, in line order
        count, chars = count + 1, chars + len(unit.text)
        if count > limits.CLAIMS or chars > limits.CLAIMS_CHARS:
            cuts["over"] = [unit.line, len(out) - kept]
            del out[kept:]
            break
    return out, tuple(_warnings(note.path, cuts))


def _warnings(path: str, cuts: dict[str, list[int]]):
    if "piece" in cuts:
        line, count = cuts["piece"]
        yield Warning(path, line, f"{count:,} claim(s) over {limits.CLAIM_CHARS:,} characters cut into pieces "
                                  f"({limits.NOTE})")
    if "over" in cuts:
        line, count = cuts["over"]
        yield Warning(path, line, f"over {limits.CLAIMS:,} claims or {limits.CLAIMS_CHARS:,} characters of claims: "
                                  f"not extracted from this line on ({limits.NOTE})")


def _spent(budget: list[int], unit: Unit) -> bool:
    """Count ``unit`` against ``budget`` (units, characters); True once it is overspent: the caller stops there,
    having one unit past the limit, so that the cut in ``units_and_cuts`` knows where the rest began."""
    budget[0] -= 1
    budget[1] -= len(unit.text)
    return budget[0] < 0 or budget[1] < 0


def _block_units(note: ParsedNote, cuts: dict[str, list[int]], budget: list[int]) -> list[Unit]:
    out: list[Unit] = []
    callout_lines = {c.line for c in note.callouts}
    for number, block in enumerate(note.blocks):
        raw, line, cut = block.text, block.line, 0
        if line in callout_lines and block.callout is not None:  # drop the "[!type] title" line
            first, _, rest = raw.partition("\n")
            if not rest.strip():
                continue
            raw, line, cut = rest, line + 1, len(first) + 1
        # `key:: value` lines are markup, read by the explicit-markup rules; so are tags and [key:: value]
        fields = set(block.field_lines)
        text = plain("\n".join(x for i, x in enumerate(raw.split("\n")) if line + i not in fields))
        if len(text) < 12:
            continue  # too short to say anything
        prose = _prose(raw, line, fields, block.markup, cut) if block.markup or fields else text
        if not re.search(r"[^\W\d_]{3}", prose):
            continue  # only tags and field markup
        if block.kind == "paragraph" and len(text) > LONG_PARAGRAPH:
            made = _sentences(raw, line, block.section, block.callout, number)
        else:
            made = [Unit(raw, text, line, block.end_line, block.section, block.callout, block.kind)]
        for unit in (piece for unit in made for piece in _pieces(unit, cuts)):
            out.append(unit)
            if _spent(budget, unit):
                return out  # units come in line order here: what follows would be cut
    return out


def _prose(raw: str, line: int, fields: set[int], markup: tuple[tuple[int, int], ...], cut: int) -> str:
    """``raw`` (line ``line`` of the note; ``cut`` characters into its block's text) without the parser's markup:
    its field lines, tags and bracketed fields."""
    pieces, done = [], 0
    for start, end in markup:
        start, end = max(start - cut, done), end - cut
        if end > start:
            pieces += [raw[done:start], " "]
            done = end
    kept = "".join(pieces) + raw[done:]
    return plain("\n".join(x for i, x in enumerate(kept.split("\n")) if line + i not in fields))


def _row_units(note: ParsedNote, cuts: dict[str, list[int]], budget: list[int]) -> list[Unit]:
    out: list[Unit] = []
    section_at = innermost_sections(note)
    for table in note.tables:
        meanings = tuple(column_meaning(h) for h in table.header)
        section = section_at(table.line)
        for row in table.rows:
            cells = tuple((meanings[i] if i < len(meanings) else "other", plain(c)) for i, c in enumerate(row.cells))
            raw = " | ".join(row.cells)
            text = "; ".join(f"{table.header[i]}: {c}" if i < len(table.header) and table.header[i] else c
                             for i, (_, c) in enumerate(cells) if c and meanings[i] != "number")
            if text:
                for unit in _pieces(Unit(raw, text, row.line, row.line, section, table.callout, "row", cells), cuts):
                    out.append(unit)
                    if _spent(budget, unit):
                        return out
        for unit in _facts(table, section):
            out.append(unit)
            if _spent(budget, unit):
                return out
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


def _pieces(unit: Unit, cuts: dict[str, list[int]]):
    """``unit``, or when its text is over ``CLAIM_CHARS``, pieces of it cut at blanks, each at most that long and
    cited by its own lines (a table row keeps its cells on its first piece). A paragraph's pieces are cut from
    its Markdown, so each keeps the links it holds; a table row's from its text."""
    if len(unit.text) <= limits.CLAIM_CHARS:
        yield unit
        return
    cuts.setdefault("piece", [unit.line, 0])[1] += 1
    markdown = not (unit.cells or unit.origin == "row")
    source = unit.raw if markdown else unit.text
    line, start = unit.line, 0
    while start < len(source):
        end = start + limits.CLAIM_CHARS
        if end < len(source):  # at the last line break of the second half, else its last blank, else mid-word
            half = start + limits.CLAIM_CHARS // 2
            blank = max(source.rfind("\n", half, end), 0) or source.rfind(" ", half, end)
            end = blank if blank > start else end
        chunk = source[start:end]
        body = chunk.strip()
        first = line + chunk.count("\n", 0, len(chunk) - len(chunk.lstrip()))
        text = plain(body) if markdown else body
        if text:
            yield Unit(body, text, first, first + body.count("\n"), unit.section, unit.callout, unit.origin,
                       unit.cells if start == 0 else (), unit.group)
        line += chunk.count("\n")
        start = end


def _sentences(raw: str, line: int, section: int | None, callout: int | None, group: int):
    """The sentences of a long paragraph, each with its lines.

    Linear in the paragraph: an abbreviation is looked for in the few characters before a sentence end
    (it ends there, and none is longer than ``_ABBREVIATION_REACH``), and lines are counted on from the
    previous sentence. Searching all the text before every sentence end, and counting its lines from the
    start, was quadratic: a paragraph of 8,000 one-line sentences took 49 s. Yields them one by one: the
    caller may stop early."""
    start = 0
    ends = (m.start() for m in _SENTENCE_END.finditer(raw)
            if not _ABBREVIATION.search(raw, max(0, m.start() - _ABBREVIATION_REACH), m.start()))
    counted, lines = 0, 0  # newlines in raw[:counted]
    for end in itertools.chain(ends, [len(raw)]):
        chunk = raw[start:end].strip()
        if chunk:
            offset = start + (len(raw[start:end]) - len(raw[start:end].lstrip()))
            lines += raw.count("\n", counted, offset)
            first = line + lines
            last = first + chunk.count("\n")
            counted = offset
            text = plain(chunk)
            if len(text) >= 12:
                yield Unit(chunk, text, first, last, section, callout, "sentence", group=group)
        start = end


def innermost_sections(note: ParsedNote):
    """A function giving, for lines asked in increasing order, the innermost section holding the line (the
    latest-starting one), in one sweep over the sections: scanning every section for every table was
    quadratic. Sections are nested or apart (a callout's headings end with the callout), so the open ones
    form a stack."""
    sections, stack, taken = note.sections, [], 0

    def section_at(line: int) -> int | None:
        nonlocal taken
        while taken < len(sections) and sections[taken].line <= line:
            stack.append(taken)
            taken += 1
        while stack and sections[stack[-1]].end_line < line:
            stack.pop()
        return stack[-1] if stack else None

    return section_at
