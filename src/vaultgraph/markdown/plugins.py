"""markdown-it plugins for Obsidian syntax that annotate tokens instead of rendering HTML.

Each plugin adds tokens (or token metadata) that the walker in ``walk.py`` turns into records.
Inline tokens carry ``meta["offset"]``: how many lines into their block they start, so the walker
can give every link and tag the exact source line (``token.map`` only exists on block tokens).

* ``wikilink``: ``[[a]]``, ``[[a|alias]]``, ``[[a#heading]]``, ``[[a#^block]]``, ``[[#local]]`` and
  embeds ``![[a]]``; ``\\|`` inside a link (as written in tables) separates the alias.
* ``tag``: ``#tag``, ``#nested/tag``, ``#метод``; a ``#`` must follow whitespace or start the text,
  and a tag must not be all digits (as in Obsidian).
* callouts: a core rule marks ``blockquote_open`` tokens whose first line is ``[!type]±? title``.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

_TAG_BODY = re.compile(r"[\w\-/]+")
_CALLOUT_HEAD = re.compile(r"^\[!([^\]\s]+)\]([+-]?)[ \t]*(.*)$")
_WIKILINK_STOP = re.compile(r"\]\]|\[\[|\n")


def obsidian_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("link", "tag", _tag)
    md.core.ruler.push("callout", _callouts)


def split_wikilink(inner: str) -> tuple[str, str | None, str | None, str | None]:
    """``target#heading|alias`` → (target, heading, block, alias)."""
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


def _offset(state: StateInline, pos: int) -> int:
    """Newlines in ``state.src`` before ``pos``, counted from the previous call's position.

    Counting from 0 on every link and tag was quadratic (a 1.4 MB paragraph with 20,000 links
    took 38 s). Links and tags are pushed in source order, so the distance walked in total
    is about the length of the text; a position before the previous one is counted backwards.
    """
    last = getattr(state, "_vg_offset", None)
    if last is None or last[0] is not state.src:
        count = state.src.count("\n", 0, pos)
    elif pos >= last[1]:
        count = last[2] + state.src.count("\n", last[1], pos)
    else:
        count = last[2] - state.src.count("\n", pos, last[1])
    state._vg_offset = (state.src, pos, count)  # type: ignore[attr-defined]
    return count


def _wikilink(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src.startswith("![[", pos):
        embed, start = True, pos + 3
    elif src.startswith("[[", pos):
        embed, start = False, pos + 2
    else:
        return False
    # The link ends at the first "]]" and must hold no newline and no "[[": stop at whichever of
    # the three comes first. ``src.find("]]")`` alone ran to the end of the text for every "[["
    # that is never closed, which was quadratic.
    stop = _WIKILINK_STOP.search(src, start)
    if stop is None or stop.group() != "]]":
        return False
    end = stop.start()
    inner = src[start:end]
    if not inner.strip():
        return False
    if not silent:
        target, heading, block, alias = split_wikilink(inner)
        token = state.push("wikilink", "", 0)
        token.content = alias or inner
        token.markup = src[pos : end + 2]
        token.meta = {
            "target": target,
            "heading": heading,
            "block": block,
            "alias": alias,
            "embed": embed,
            "offset": _offset(state, pos),
        }
    state.pos = end + 2
    return True


def _tag(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "#" or (pos > 0 and not src[pos - 1].isspace()):
        return False
    match = _TAG_BODY.match(src, pos + 1)
    if not match:
        return False
    name = match.group(0).rstrip("/")
    if not name or name.isdigit() or name.startswith("/") or name.replace("_", "").replace("-", "") == "":
        return False
    if not silent:
        token = state.push("tag", "", 0)
        token.content = name
        token.markup = "#" + name
        token.meta = {"offset": _offset(state, pos)}
    state.pos = pos + 1 + len(name)
    return True


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "blockquote_open":
            continue
        if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
            continue
        inline = tokens[i + 2]
        first_line = inline.content.split("\n", 1)[0]
        match = _CALLOUT_HEAD.match(first_line)
        if not match:
            continue
        kind, fold, title = match.groups()
        token.meta = {**(token.meta or {}), "callout": {
            "type": kind.lower(), "fold": fold or None, "title": title.strip()}}
        # Drop the "[!type]" marker from the rendered title so it is not read as text.
        children = inline.children or []
        if children and children[0].type == "text" and children[0].content.startswith("[!"):
            head = _CALLOUT_HEAD.match(children[0].content)
            children[0].content = head.group(3) if head else children[0].content
