"""Turning a note's bytes into text: decoding without loss and repairing mojibake.

Two kinds of damage are seen in real vaults:

* bytes that are not UTF-8 at all (a note saved by an old editor as cp1251, or a stray byte):
  each such line is decoded on its own, as cp1251 when that yields Cyrillic text, otherwise with
  the undecodable bytes spelled out as ``\\xNN`` so nothing is lost;
* mojibake: UTF-8 that was once decoded as Mac Roman or cp1252 and saved again. The whole text goes
  through ``ftfy.fix_encoding`` first (measured on the seed notes: it repairs whole damaged notes and
  leaves clean ones unchanged). A note that mixes clean and damaged spans is then repaired span by
  span: a UTF-8 sequence never contains ASCII bytes, so every damaged span is a run of non-ASCII
  characters that re-encodes strictly to valid UTF-8. Clean Cyrillic, emoji and curly quotes do not.

Repairs never add or remove a line break, so line numbers of the repaired text are the file's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Repair

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{2,}")
_MOJIBAKE_CODECS = ("mac_roman", "cp1252")


@dataclass(frozen=True)
class Decoded:
    text: str
    repairs: tuple[Repair, ...]


def decode(data: bytes) -> Decoded:
    """Decode a note's bytes to repaired text, reporting every change."""
    repairs: list[Repair] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, repair = _decode_per_line(data)
        repairs.append(repair)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r\n" in text else text.replace("\r", "\n")
    text, mojibake = fix_mojibake(text)
    if mojibake:
        repairs.append(mojibake)
    return Decoded(text, tuple(repairs))


def _decode_per_line(data: bytes) -> tuple[str, Repair]:
    out: list[str] = []
    bad: list[int] = []
    how: set[str] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            out.append(raw.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            bad.append(number)
        line = _as_cp1251(raw)
        if line is not None:
            how.add("cp1251")
        else:
            line = raw.decode("utf-8", errors="backslashreplace")
            how.add("bytes kept as \\xNN")
        out.append(line)
    detail = f"{len(bad)} line(s) were not valid UTF-8; decoded as " + " / ".join(sorted(how))
    return "\n".join(out), Repair("invalid-utf8", tuple(bad), len(bad), detail)


def _as_cp1251(raw: bytes) -> str | None:
    try:
        line = raw.decode("cp1251")
    except UnicodeDecodeError:
        return None
    high = [c for c in line if ord(c) > 127]
    cyrillic = sum(1 for c in high if "\u0400" <= c <= "\u04ff")
    return line if cyrillic >= 3 and cyrillic * 2 >= len(high) else None


def fix_mojibake(text: str) -> tuple[str, Repair | None]:
    """Repair mojibake with ftfy, then span by span; ``None`` when the text was clean."""
    if text.isascii() or not _has_damage(text):
        return text, None
    import ftfy  # imported here: a clean vault never pays for it

    whole = ftfy.fix_encoding(text)
    by_runs, spans = _fix_runs(text)
    if whole.count("\n") != text.count("\n"):
        whole = by_runs  # never let a repair move lines
    # ftfy decides for the whole note; in a note that mixes clean and damaged text it can misread a
    # span. Line by line, keep ftfy's reading where the span-by-span repair agrees or has nothing to
    # say, and the span-by-span reading where ftfy left damage or made new damage.
    lines = []
    for original, a, b in zip(text.split("\n"), whole.split("\n"), by_runs.split("\n")):
        if a == b or b == original:
            lines.append(a if not _has_damage(a) else b)
        else:
            lines.append(b)
    fixed = "\n".join(lines)
    if fixed == text:
        return text, None
    old_lines, new_lines = text.split("\n"), fixed.split("\n")
    changed = tuple(i for i, (a, b) in enumerate(zip(old_lines, new_lines), start=1) if a != b)
    detail = f"mojibake (UTF-8 read as Mac Roman/cp1252) repaired on {len(changed)} line(s)"
    if spans:
        detail += f", {spans} span(s) repaired one by one"
    return fixed, Repair("mojibake", changed, len(changed), detail)


def _plausible(text: str) -> bool:
    """Characters a real note is made of: Latin-1, Greek, Cyrillic, punctuation, symbols, CJK, emoji."""
    for ch in text:
        code = ord(ch)
        if not (code < 0x100 or 0x370 <= code <= 0x52F or 0x2000 <= code <= 0x2BFF
                or 0x3000 <= code <= 0x9FFF or 0xFE00 <= code <= 0xFE0F or code >= 0x1F000):
            return False
    return True


def _decode_run(run: str) -> str | None:
    for codec in _MOJIBAKE_CODECS:
        try:
            candidate = run.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if candidate != run and "\n" not in candidate and _plausible(candidate):
            return candidate
    return None


def _strong(run: str, fixed: str) -> bool:
    """Evidence of damage on its own: two or more characters recovered, or one three-byte dash, arrow, quote or
    other symbol (U+2000-U+2BFF) recovered from exactly three, as in "‚Äî" for "—". Any three-byte character
    was enough before: clean "é—“" (in "café—“quoted”") reads as cp1252 for the CJK "闓", and was replaced."""
    return len(run) >= 4 or (len(run) == 3 and len(fixed) == 1 and 0x2000 <= ord(fixed) <= 0x2BFF)


def _has_damage(text: str) -> bool:
    """Cheap test before ftfy: does any non-ASCII run re-encode to valid UTF-8 (a mojibake run)?"""
    return any(_decode_run(m.group(0)) is not None for m in _NON_ASCII_RUN.finditer(text))


def _fix_runs(text: str) -> tuple[str, int]:
    """Repair damaged runs. A run of two characters (one damaged letter) could be clean text by
    accident ("—é" is also Mac Roman for "ю"), so short runs are only repaired in a note that also
    has a run that is damage beyond doubt."""
    runs = [(m, _decode_run(m.group(0))) for m in _NON_ASCII_RUN.finditer(text)]
    if not any(fixed is not None and _strong(m.group(0), fixed) for m, fixed in runs):
        return text, 0
    out, last, count = [], 0, 0
    for m, fixed in runs:
        if fixed is not None:
            out.append(text[last:m.start()])
            out.append(fixed)
            last = m.end()
            count += 1
    out.append(text[last:])
    return "".join(out), count
