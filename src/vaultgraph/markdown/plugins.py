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

from .links import wikilink_at

_TAG_BODY = re.compile(r"[\w\-/]+")
_CALLOUT_HEAD = re.compile(r"^\[!([^\]\s]+)\]([+-]?)[ \t]*(.*)$")


def obsidian_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("link", "tag", _tag)
    md.core.ruler.push("callout", _callouts)


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
    link = wikilink_at(state.src, state.pos)  # the one reading of the syntax: markdown/links.py
    if link is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.content = link.alias or link.inner
        token.markup = state.src[link.start:link.end]
        token.meta = {
            "target": link.target,
            "heading": link.heading,
            "block": link.block,
            "alias": link.alias,
            "embed": link.embed,
            "offset": _offset(state, link.start),
        }
    state.pos = link.end
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
        token.meta = {"offset": _offset(state, pos), "at": pos}  # "at": where it starts in the block's text
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
