"""Parse one note: bytes → repaired text → markdown-it tokens → ``ParsedNote``."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..model import Link, ParsedNote, Repair, Tag, Warning
from ..repair import decode
from . import frontmatter as fm
from .plugins import obsidian_plugin, split_wikilink
from .walk import walk

_FM_WIKILINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin).use(obsidian_plugin)
    # Keep footnote definitions where they stand (with their line numbers) instead of moving
    # them to the end; the tail rule also drops definitions that nothing references.
    md.core.ruler.disable("footnote_tail")
    return md


def parse_bytes(data: bytes, path: str) -> ParsedNote:
    """Decode, repair and parse a note's raw bytes."""
    decoded = decode(data)
    return parse_text(decoded.text, path, sha256=hashlib.sha256(data).hexdigest(), repairs=decoded.repairs)


def parse_text(text: str, path: str, *, sha256: str | None = None, repairs: tuple[Repair, ...] = ()) -> ParsedNote:
    """Parse already-decoded note text. ``path`` is vault-relative with POSIX separators."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")  # as editors count lines
    lines = text.split("\n")
    tokens = markdown().parse(text)
    collected = walk(tokens, lines)
    warnings: list[Warning] = []

    data: dict = {}
    fm_lines = None
    fm_tags: list[Tag] = []
    fm_links: list[Link] = []
    fm_keys: tuple[tuple[str, int, int], ...] = ()
    if tokens and tokens[0].type == "front_matter":
        start, end = tokens[0].map[0] + 1, tokens[0].map[1]
        fm_lines = (start, end)
        loaded = fm.load(tokens[0].content, start + 1)
        data = loaded.data
        if loaded.error:
            warnings.append(Warning(path, loaded.error_line or start, loaded.error))
        raw = lines[start:end - 1]
        names = fm.tag_names(data.get("tags", data.get("tag")))
        fm_tags = [Tag(name, line, "frontmatter") for name, line in zip(names, _lines_of(raw, names, start + 1))]
        fm_links = _frontmatter_links(raw, start + 1)
        fm_keys = _key_lines(raw, start + 1)

    aliases = tuple(fm.alias_names(data.get("aliases", data.get("alias"))))
    defined = {f.label for f in collected.footnotes}
    for ref in collected.footnote_refs:
        if ref.label not in defined:
            warnings.append(Warning(path, ref.line, f"footnote [^{ref.label}] has no definition"))

    return ParsedNote(
        path=path,
        title=PurePosixPath(path).stem,
        sha256=sha256,
        line_count=len(lines) - (1 if text.endswith("\n") else 0),
        frontmatter=data,
        frontmatter_lines=fm_lines,
        frontmatter_keys=fm_keys,
        aliases=aliases,
        tags=tuple(fm_tags + collected.tags),
        sections=tuple(collected.sections),
        links=tuple(fm_links + collected.links),
        footnote_refs=tuple(collected.footnote_refs),
        footnotes=tuple(collected.footnotes),
        callouts=tuple(collected.callouts),
        messages=tuple(collected.messages),
        tables=tuple(collected.tables),
        fields=tuple(collected.fields),
        block_ids=tuple(collected.block_ids),
        blocks=tuple(collected.blocks),
        repairs=tuple(repairs),
        warnings=tuple(warnings),
        text=text,
    )


def _lines_of(raw: list[str], needles: list[str], first: int) -> list[int]:
    """The line of each needle (``first - 1`` when absent), searching on from the previous one's line:
    linear when they are listed in order, as tags are."""
    out, at, n = [], 0, len(raw)
    for needle in needles:
        for k in range(n):
            i = (at + k) % n
            if needle in raw[i]:
                at = i
                out.append(first + i)
                break
        else:
            out.append(first - 1)
    return out


def _key_lines(raw: list[str], first: int) -> tuple[tuple[str, int, int], ...]:
    """(key, first line, last line) of each top-level frontmatter key, so a value can be cited exactly."""
    starts = [(m.group(1).strip().strip("'\""), first + i) for i, line in enumerate(raw)
              if not line.startswith("- ") and (m := fm.TOP_KEY.match(line))]
    out = []
    for n, (key, line) in enumerate(starts):
        end = starts[n + 1][1] - 1 if n + 1 < len(starts) else first + len(raw) - 1
        while end > line and not raw[end - first].strip():
            end -= 1
        out.append((key, line, end))
    return tuple(out)


def _frontmatter_links(raw: list[str], first: int) -> list[Link]:
    """Obsidian indexes ``[[links]]`` written in frontmatter properties."""
    links = []
    for i, line in enumerate(raw):
        for match in _FM_WIKILINK.finditer(line):
            target, heading, block, alias = split_wikilink(match.group(1))
            links.append(Link(match.group(0), target, first + i, "wiki", False, heading, block, alias, "frontmatter"))
    return links
