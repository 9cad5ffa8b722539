"""Parse one note: bytes → repaired text → markdown-it tokens → ``ParsedNote``."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .. import limits
from ..model import Link, ParsedNote, Repair, Tag, Warning
from ..repair import decode
from . import budget
from . import frontmatter as fm
from .links import wikilinks
from .plugins import obsidian_plugin
from .walk import walk

@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin).use(obsidian_plugin).use(budget.budget_plugin)
    # Keep footnote definitions where they stand (with their line numbers) instead of moving
    # them to the end; the tail rule also drops definitions that nothing references.
    md.core.ruler.disable("footnote_tail")
    return md


def parse_bytes(data: bytes, path: str, seconds: float | None = limits.NOTE_SECONDS) -> ParsedNote:
    """Decode, repair and parse a note's raw bytes, within one note's limits (``vaultgraph.limits``; ``seconds``
    of wall clock, ``None`` for none): the first ``PARSE_BYTES`` are parsed, the lines after are reported."""
    until = limits.deadline(seconds) if seconds is not None else None
    sha256 = hashlib.sha256(data).hexdigest()
    head, rest = _head(data)
    decoded = decode(head)
    return parse_text(decoded.text, path, sha256=sha256, repairs=decoded.repairs, seconds=seconds, until=until,
                      rest=rest)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n / 2**10:g} KB" if n >= 2**10 else f"{n} bytes"


def _head(data: bytes) -> tuple[bytes, int]:
    """The bytes that are parsed (whole lines, at most ``PARSE_BYTES``) and how many lines follow them."""
    if len(data) <= limits.PARSE_BYTES:
        return data, 0
    cut = data.rfind(b"\n", 0, limits.PARSE_BYTES) + 1
    if cut <= 0:  # one line longer than the limit: cut it between two characters
        cut = limits.PARSE_BYTES
        while cut > 0 and data[cut] & 0xC0 == 0x80:
            cut -= 1
    return data[:cut], len(data[cut:].splitlines())


def parse_text(text: str, path: str, *, sha256: str | None = None, repairs: tuple[Repair, ...] = (),
               seconds: float | None = limits.NOTE_SECONDS, until: float | None = None, rest: int = 0) -> ParsedNote:
    """Parse already-decoded note text. ``path`` is vault-relative with POSIX separators. ``rest``: lines of the
    file after ``text`` that were not read (see ``parse_bytes``); ``until``: the ``time.monotonic()`` deadline
    when the budget of ``seconds`` started earlier (decoding counts too)."""
    if until is None and seconds is not None:
        until = limits.deadline(seconds)
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")  # as editors count lines
    lines = text.split("\n")
    env = budget.new_env(until, seconds)
    tokens = markdown().parse(text, env)
    collected = walk(tokens, lines)
    warnings: list[Warning] = []
    read = len(lines) - (1 if text.endswith("\n") else 0)
    if rest and not text.endswith("\n"):  # the last line read was cut: the rest of it was counted in ``rest``
        rest -= 1
        warnings.append(Warning(path, read, f"over {_size(limits.PARSE_BYTES)}: the rest of this line and "
                                            f"the {rest:,} lines after it not indexed ({limits.NOTE})"))
    elif rest:
        warnings.append(Warning(path, read + 1, f"over {_size(limits.PARSE_BYTES)}: lines {read + 1:,}-"
                                                f"{read + rest:,} not indexed ({limits.NOTE})"))
    warnings += [Warning(path, line, message) for line, message in sorted(budget.stops(env) + collected.limited)]

    data: dict = {}
    fm_lines = None
    fm_tags: list[Tag] = []
    fm_links: list[Link] = []
    fm_keys: tuple[tuple[str, int, int], ...] = ()
    if tokens and tokens[0].type == "front_matter" and len(tokens[0].content) > limits.FRONTMATTER_CHARS:
        fm_lines = (tokens[0].map[0] + 1, tokens[0].map[1])
        warnings.append(Warning(path, fm_lines[0], f"frontmatter over {_size(limits.FRONTMATTER_CHARS)}: "
                                                   f"its properties not read ({limits.NOTE})"))
    elif tokens and tokens[0].type == "front_matter":
        start, end = tokens[0].map[0] + 1, tokens[0].map[1]
        fm_lines = (start, end)
        loaded = fm.load(tokens[0].content, start + 1)
        data = loaded.data
        if loaded.error:
            warnings.append(Warning(path, loaded.error_line or start, loaded.error))
        raw = lines[start:end - 1]
        names = fm.tag_names(data.get("tags", data.get("tag")))
        fm_links = _frontmatter_links(raw, start + 1)
        for kind, kept, limit in (("tags", names, limits.TAGS), ("links", fm_links, limits.LINKS)):
            if len(kept) > limit:
                warnings.append(Warning(path, start, f"over {limit:,} {kind} in the frontmatter: {len(kept) - limit:,} "
                                                     f"not kept ({limits.NOTE})"))
                del kept[limit:]
        fm_tags = [Tag(name, line, "frontmatter") for name, line in zip(names, _lines_of(raw, names, start + 1))]
        fm_keys = _key_lines(raw, start + 1)

    aliases = tuple(fm.alias_names(data.get("aliases", data.get("alias"))))
    defined = {f.label for f in collected.footnotes}
    for ref in collected.footnote_refs:
        if ref.label not in defined:
            warnings.append(Warning(path, ref.line, f"footnote [^{ref.label}] has no definition"))
    warnings += _split_links(collected.tables, lines, path)
    if len(warnings) > limits.WARNINGS:  # the first ones say what is wrong; a note must not carry 50,000
        more = len(warnings) - limits.WARNINGS
        warnings[limits.WARNINGS:] = [Warning(path, warnings[limits.WARNINGS].line, f"… and {more:,} more warnings")]

    return ParsedNote(
        path=path,
        title=PurePosixPath(path).stem,
        sha256=sha256,
        line_count=read + rest,
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
    linear when they are listed in order, as tags are; at most ``_REACH`` lines on (a header of tags in
    reverse order searched all its lines for each)."""
    out, at, n = [], 0, len(raw)
    for needle in needles:
        for k in range(min(n, _REACH)):
            i = (at + k) % n
            if needle in raw[i]:
                at = i
                out.append(first + i)
                break
        else:
            out.append(first - 1)
    return out


_REACH = 2_000


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
        for link in wikilinks(line):
            links.append(Link("[[" + link.inner + "]]", link.target, first + i, "wiki", False, link.heading, link.block,
                              link.alias, "frontmatter"))
    return links


def _split_links(tables, lines: list[str], path: str) -> list[Warning]:
    """A ``[[note|alias]]`` in a table row whose ``|`` is not escaped: the table splits it into two cells and the
    link is lost (Obsidian shows the same broken row), so it is named. One pass over each row line."""
    out: list[Warning] = []
    for table in tables:
        for number in range(table.line, min(table.end_line, len(lines)) + 1):
            text = lines[number - 1]
            start = text.find("[[")
            while start != -1 and len(out) <= limits.WARNINGS:
                end = text.find("]]", start + 2)
                if end == -1:
                    break
                inner = text[start + 2:end]
                bar = inner.find("|")
                while bar > 0 and inner[bar - 1] == "\\":
                    bar = inner.find("|", bar + 1)
                if bar != -1:
                    out.append(Warning(path, number, f"link [[{inner}]] in a table is split by its '|' into two "
                                                     f"cells and lost: write [[{inner[:bar]}\\|{inner[bar + 1:]}]]"))
                start = text.find("[[", end + 2)
    return out
