"""Wiki-link syntax, read in one place: ``[[target#heading|alias]]``, ``[[a#^block]]``, ``![[embed]]``.

Two readings, both linear in the text (a run of ``[[`` that never closes is walked once):

* ``wikilinks(text)`` — the links as Obsidian reads them (what the markdown-it plugin turns into tokens, and
  what frontmatter values, claims' sources and Dataview fields name): ``[[`` opens, the first ``]]`` closes,
  and the link holds no newline, no other ``[[`` and not only blanks. Each comes with its offsets and its
  parts (``split_wikilink``).
* ``shown(text)`` — the text a reader sees: each link replaced by its alias, else its target, else its
  heading (``[[#Aliases]]`` reads "Aliases"), and ``[text](url)`` / ``![alt](src)`` by their text. This is
  the looser reading that ``extract/units.py`` has always used for the words of a claim (a link there is
  ``[[`` target ``#heading`` ``|alias`` ``]]`` with the parts cut at ``]``, ``|`` and ``#``);
  ``tests/test_hostile_linear.py`` checks it against the regular expression it replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_STOP = re.compile(r"\]\]|\[\[|\n")  # what ends the search for a link's closing brackets


@dataclass(frozen=True, slots=True)
class WikiLink:
    """One ``[[…]]`` of a text: ``text[start:end] == raw`` (the ``!`` of an embed included)."""

    start: int
    end: int
    embed: bool
    inner: str  # between the brackets, as written
    target: str
    heading: str | None
    block: str | None
    alias: str | None

    @property
    def raw(self) -> str:
        return ("!" if self.embed else "") + "[[" + self.inner + "]]"


def split_wikilink(inner: str) -> tuple[str, str | None, str | None, str | None]:
    """``target#heading|alias`` → (target, heading, block, alias); ``a\\|b`` (a pipe escaped in a table) too."""
    alias = None
    pipe = inner.find("|")
    if pipe >= 0:
        target_part, alias = inner[:pipe], inner[pipe + 1 :].strip()
        if target_part.endswith("\\"):
            target_part = target_part[:-1]
    else:
        target_part = inner
    heading = block = None
    hash_pos = target_part.find("#")
    if hash_pos >= 0:
        target, anchor = target_part[:hash_pos], target_part[hash_pos + 1 :].strip()
        if anchor.startswith("^"):
            block = anchor[1:]
        else:
            heading = anchor
    else:
        target = target_part
    return target.strip(), heading or None, block or None, alias or None


def wikilink_at(text: str, pos: int) -> WikiLink | None:
    """The link that starts at ``pos`` (at its ``!`` or its ``[[``), or None.

    The link ends at the first "]]" and holds no newline and no "[[": the search stops at whichever of the three
    comes first (``text.find("]]")`` alone ran to the end of the text for every "[[" never closed: quadratic)."""
    if text.startswith("![[", pos):
        embed, start = True, pos + 3
    elif text.startswith("[[", pos):
        embed, start = False, pos + 2
    else:
        return None
    stop = _STOP.search(text, start)
    if stop is None or stop.group() != "]]":
        return None
    inner = text[start:stop.start()]
    if not inner.strip():
        return None
    return WikiLink(pos, stop.end(), embed, inner, *split_wikilink(inner))


def wikilinks(text: str) -> Iterator[WikiLink]:
    """Every link of ``text``, in order."""
    pos = 0
    while (p := text.find("[[", pos)) >= 0:
        start = p - 1 if p > pos and text[p - 1] == "!" else p
        link = wikilink_at(text, start)
        if link is None:
            pos = p + 1
            continue
        yield link
        pos = link.end


# Footnote references ``[^label]``: a label holds no blank (markdown-it's reading) and no bracket (markdown-it
# would read "[^a[^b]" as the label "a[^b"; here it is the reference "b"). So the search from one "[^" ends at the
# next "[": each character is scanned from one start at most, linear in a run of "[^" that never closes.
_FOOTNOTE_REF = re.compile(r"\[\^([^\[\]\s]+)\]")


def footnote_marks(text: str) -> Iterator[re.Match]:
    """The footnote references of ``text`` in order, with their offsets (``start()``, ``end()``) and label
    (``group(1)``). A reference followed by ":" is one at the start of a definition ("[^1]: Hu et al."): the
    caller that must not count those checks ``text.startswith(":", m.end())``."""
    return _FOOTNOTE_REF.finditer(text)


def footnote_refs(text: str) -> list[str]:
    """The labels of the footnote references ``[^label]`` of ``text``, in order."""
    return _FOOTNOTE_REF.findall(text)


def without_footnote_refs(text: str) -> str:
    """``text`` with its footnote references removed."""
    return _FOOTNOTE_REF.sub("", text)


def targets(text: str) -> list[str]:
    """The targets of the links of ``text``, in order (``[[#heading]]`` gives '')."""
    return [link.target for link in wikilinks(text)]


# --- the text a reader sees ---------------------------------------------------------------------------

class _Next:
    """The first position at or after ``pos`` holding one of ``chars`` (``len(text)`` when none), for positions
    asked in increasing order: each stretch of text is searched once, whatever the number of questions."""

    def __init__(self, text: str, chars: str):
        self.text, self.n = text, len(text)
        self.pattern = re.compile("[" + re.escape(chars) + "]")
        self.asked, self.found = 0, -1

    def at(self, pos: int) -> int:
        if not (self.asked <= pos <= self.found):
            match = self.pattern.search(self.text, pos)
            self.found = match.start() if match else self.n
        self.asked = pos
        return self.found


def shown(text: str) -> str:
    """Links replaced by the text they show: ``[[target#heading|alias]]`` by its alias (else its target),
    ``[text](url)`` and ``![alt](src)`` by their text.

    What the regular expressions ``!?\\[\\[([^\\]|#]*)(?:#[^\\]|]*)?(?:\\\\?\\|([^\\]]*))?\\]\\]`` and then
    ``!?\\[([^\\]]*)\\]\\([^)]*\\)`` replaced, in linear time: each of their runs ends at the first character of
    a small set (``]``, ``|`` or ``#`` …), so where a match from one bracket fails, it fails from every
    bracket before that character too. The regular expressions tried again from each (a run of ``[[`` or of
    ``[a](`` without a closing one: quadratic).
    """
    if "[" not in text:
        return text
    text = _replace(text, "[[", _shown_wikilink_at)
    return _replace(text, "[", _markdown_link_at) if "](" in text else text


def _replace(text: str, opener: str, match_at) -> str:
    """Each match of ``match_at`` (tried at every ``opener``, with a ``!`` before it taken along) replaced by
    what it returns. ``match_at(text, pos, finders)`` gives (end, shown) or (skip_to, None)."""
    out, done, pos, finders = [], 0, 0, {}
    while (p := text.find(opener, pos)) >= 0:
        end, seen = match_at(text, p, finders)
        if seen is None:
            pos = max(end, p + 1)
            continue
        start = p - 1 if p > done and text[p - 1] == "!" else p
        out += [text[done:start], seen]
        done = pos = end
    out.append(text[done:])
    return "".join(out)


def _finder(finders: dict, text: str, chars: str) -> _Next:
    if chars not in finders:
        finders[chars] = _Next(text, chars)
    return finders[chars]


def _shown_wikilink_at(text: str, p: int, finders: dict) -> tuple[int, str | None]:
    n = len(text)
    t = _finder(finders, text, "]|#").at(p + 2)  # the target runs to here
    h = _finder(finders, text, "]|").at(t + 1) if t < n and text[t] == "#" else t  # and a #heading to here
    if h < n and text[h] == "|":
        a = _finder(finders, text, "]").at(h + 1)  # the alias runs to here
        if a + 1 < n and text[a + 1] == "]":
            return a + 2, (text[h + 1:a] or text[p + 2:t] or text[t + 1:h].lstrip("^")).strip()
    elif h + 1 < n and text[h] == "]" and text[h + 1] == "]":
        return h + 2, (text[p + 2:t].strip() or text[t + 1:h].lstrip("^").strip())  # [[#Aliases]] reads "Aliases"
    return t, None


def _markdown_link_at(text: str, p: int, finders: dict) -> tuple[int, str | None]:
    n = len(text)
    q = _finder(finders, text, "]").at(p + 1)
    if q + 1 < n and text[q + 1] == "(":
        r = _finder(finders, text, ")").at(q + 2)
        if r < n:
            return r + 1, text[p + 1:q]
    return q, None


__all__ = ["WikiLink", "footnote_marks", "footnote_refs", "shown", "split_wikilink", "targets", "wikilink_at", "wikilinks",
           "without_footnote_refs"]
