"""Dataview fields in a block's text: ``key:: value`` lines and ``[key:: value]`` / ``(key:: value)`` inline.

The one reading of the syntax: the walker turns what ``read_fields`` finds into ``InlineField`` records, and
into each block's ``markup`` spans and ``field_lines``, which extraction uses to tell markup from prose.
A code span hides a field, as in Dataview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import InlineField

# The value of a field runs to the last non-blank character, and a bracketed value up to the blanks
# before its closing bracket. Written with a lazy ``.*?`` (or a lazy run of single characters) before
# ``\s*``, the regex rescanned a run of blanks from each of its characters: quadratic in a line of
# spaces, and cubic for ``[key::`` followed by spaces and no closing bracket (2,000 spaces took 52 s).
# Runs of blanks are now taken whole (``\s*+``, ``[^\S\n]++``); the matches are the same. A ``[[link]]`` in a
# bracketed value holds no ``[``: with one allowed, every ``[k:: [[`` of a line scanned on to the next ``]``
# (quadratic in a line of them, 40 KB took 1.2 s); wiki-links are read the same way in sources and frontmatter.
# A full-line key holds no bracket or parenthesis: "A sentence. (risk:: x)" is a sentence with a hidden field, not
# a field keyed "A sentence. (risk".
_FIELD_LINE = re.compile(r"^\s*(?:[-*+]\s+(?:\[.\]\s+)?)?(\*\*|__)?([^\s\[\]`*:#>(][^\[\]()`:]{0,60}?)\1?\s*::(?:\s+((?:[^\S\n]*\S)*))?\s*$")
_FIELD_BRACKET = re.compile(r"[\[(]([\w][\w \-]{0,40}?)::\s*+((?:\[\[[^\[\]\n]*\]\]|[^\[\]()\s]|[^\S\n]++)*?)\s*[\])]")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")  # what mask_code_spans blanks out
_BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True)
class Fields:
    records: tuple[InlineField, ...]
    lines: tuple[int, ...]  # lines (of the note) that are a ``key:: value`` field
    spans: tuple[tuple[int, int], ...]  # (start, end) in the text of each bracketed field


def read_fields(text: str, base: int) -> Fields:
    """The fields of a block's inline ``text`` whose first line is line ``base`` of the note."""
    records: list[InlineField] = []
    lines: list[int] = []
    spans: list[tuple[int, int]] = []
    at = 0  # where the line starts in ``text``
    for i, line in enumerate(text.split("\n")):
        if "::" in line:
            masked = mask_code_spans(line)
            match = _FIELD_LINE.match(masked)
            if match:
                lines.append(base + i)
            if match and match.group(3):
                records.append(InlineField(match.group(2).strip(), line[match.start(3):match.end(3)].strip(), base + i))
            else:
                for m in _FIELD_BRACKET.finditer(masked):
                    spans.append((at + m.start(), at + m.end()))
                    if m.group(2).strip():
                        records.append(InlineField(m.group(1).strip(), line[m.start(2):m.end(2)].strip(), base + i,
                                                   True))
        at += len(line) + 1
    return Fields(tuple(records), tuple(lines), tuple(spans))


def mask_code_spans(text: str) -> str:
    """``_CODE_SPAN.sub(blank, text)``: code spans replaced by as many spaces, found from the backtick runs.

    The regex tried each opener length, longest first, and scanned to the end of the line for a closer:
    cubic in a run of backticks ("a:: " and 1,000 backticks took 46 s). What it matches: an opener at
    ``p`` takes ``size`` backticks of the ``rest`` left in its run (``rest / 2 < size <= rest``, else its
    first body character would already close it) and closes at the first later run at least ``size``
    long, so ``size`` is ``min(rest, longest later run)``; when that is not over ``rest / 2``, the
    positions of the run up to where it would be are skipped, as the regex fails at each of them.
    """
    if "`" not in text:
        return text
    if "\n" in text:  # "." stops at a newline; a line never holds one, but keep the regex's answer then
        return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    runs = [m.span() for m in _BACKTICKS.finditer(text)]
    longest_after = [0] * len(runs)
    longest = 0
    for i in range(len(runs) - 1, -1, -1):
        longest_after[i] = longest
        longest = max(longest, runs[i][1] - runs[i][0])
    pieces: list[str] = []
    done = i = 0
    pos = runs[0][0]
    while i < len(runs):
        start, end = runs[i]
        pos = max(pos, start)
        later = longest_after[i]
        if pos >= end:
            i += 1
            continue
        if later == 0:
            break
        if end - pos >= 2 * later:
            pos = end - (2 * later - 1)
        size = min(end - pos, later)
        j = i + 1
        while runs[j][1] - runs[j][0] < size:
            j += 1
        close = runs[j][0] + size
        pieces += [text[done:pos], " " * (close - pos)]
        done = pos = close
        i = j
    pieces.append(text[done:])
    return "".join(pieces)


