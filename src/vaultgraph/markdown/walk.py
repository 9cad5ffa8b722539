"""One pass over markdown-it tokens that collects a note's records with source line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import unquote

from markdown_it.token import Token

from .. import limits
from ..model import Block, BlockId, Callout, ChatMessage, Footnote, FootnoteRef, Link, Section, Table, TableRow, Tag
from .fields import Fields, read_fields

_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)\s*$")
_UID = re.compile(r"<!--\s*UID:\s*([^\s>]+)\s*-->")  # what _find_uid finds
_UID_HEAD = re.compile(r"<!--\s*UID:\s*")
_UID_BODY = re.compile(r"[^\s>]*")
_UID_TAIL = re.compile(r"\s*-->")
# Author, then an optional " - date"; a run of blanks in the author is taken whole (see fields._FIELD_LINE).
_CHAT_TITLE = re.compile(r"^\s*(?:\*\*|__)?((?:[^*_\s]|\s++)+?)(?:\*\*|__)?\s*(?:[-–—]\s*(.*))?$")
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\D+(\d{1,2}):(\d{2}))?")
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


@dataclass
class _Container:
    start: int
    end: int
    callout: int | None
    base_path: tuple[str, ...]
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, title) stack
    sections: list[int] = field(default_factory=list)  # section index of each stacked heading
    parent_section: int | None = None  # section governing the container itself
    number: int = 0  # key of the container in ``container_ends`` and in ``headings``


@dataclass
class Collected:
    sections: list[Section] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    footnote_refs: list[FootnoteRef] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    callouts: list[Callout] = field(default_factory=list)
    messages: list[ChatMessage] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    fields: list[InlineField] = field(default_factory=list)
    block_ids: list[BlockId] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    dropped: dict[str, list[int]] = field(default_factory=dict)  # what a limit left out: kind → [first line, count]

    @property
    def limited(self) -> list[tuple[int, str]]:
        """(line, message) for each kind of record a limit of one note left out."""
        return [(line, f"a heading over {limits.TITLE_CHARS:,} characters: {count:,} characters of headings not kept "
                       f"({limits.NOTE})" if kind == "title" else
                 f"over {getattr(limits, _LIMIT[kind]):,} {kind}: {count:,} more from this line on not kept "
                 f"({limits.NOTE})")
                for kind, (line, count) in self.dropped.items()]

    def keep(self, kind: str, kept: list, line: int) -> bool:
        """Whether one more record of ``kind`` fits (``kept`` holds those already kept); counts it when not."""
        if len(kept) < getattr(limits, _LIMIT[kind]):
            return True
        self.dropped.setdefault(kind, [line, 0])[1] += 1
        return False


_LIMIT = {"links": "LINKS", "tags": "LINKS", "footnote references": "FOOTNOTES", "footnotes": "FOOTNOTES"}


def _title(out: Collected, title: str, line: int) -> str:
    """A heading's title, cut at ``TITLE_CHARS``: a heading path is repeated on every claim under it."""
    if len(title) <= limits.TITLE_CHARS:
        return title
    out.dropped.setdefault("title", [line, 0])[1] += len(title) - limits.TITLE_CHARS
    return title[:limits.TITLE_CHARS] + "…"


def chat_role(callout_type: str) -> str | None:
    if not callout_type.startswith("nexus_"):
        return None
    role = callout_type[len("nexus_"):]
    return {"agent": "assistant", "ai": "assistant"}.get(role, role)


def walk(tokens: list[Token], lines: list[str]) -> Collected:
    out = Collected()
    n_lines = len(lines)
    root = _Container(1, n_lines, None, ())
    stack: list[_Container] = [root]
    headings: list[tuple[int, int, int, int]] = []  # (line, level, container id, section index)
    container_ends = {0: n_lines}  # container number → last line
    pending_table: dict | None = None
    in_footnote: str | None = None
    footnote_start = 0
    footnote_text: list[str] = []
    last_message: int | None = None
    in_head = False
    list_depth = 0
    item_open = False

    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "list_item_open":
            item_open = True
        elif kind == "paragraph_open" and token.map and pending_table is None and in_footnote is None:
            inline = tokens[index + 1]
            callout = next((b.callout for b in reversed(stack) if b.callout is not None), None)
            out.blocks.append(Block("item" if item_open else "paragraph", token.map[0] + 1,
                                    _trim(lines, token.map[1], token.map[0] + 1), inline.content,
                                    _current_section(stack), callout, list_depth))
            item_open = False
        if kind == "blockquote_open":
            start, end = token.map[0] + 1, _trim(lines, token.map[1], token.map[0] + 1)
            meta = (token.meta or {}).get("callout")
            callout_index = None
            if meta:
                callout_index = len(out.callouts)
                out.callouts.append(Callout(meta["type"], meta["title"], meta["fold"], start, end, depth=len(stack)))
                role = chat_role(meta["type"])
                if role:
                    author, stamp = _chat_title(meta["title"])
                    out.messages.append(ChatMessage(role, author or role, stamp, None, start, end, callout_index))
                    last_message = len(out.messages) - 1
            outer = stack[-1]
            # A chat message is a document of its own: its headings do not hang under the note's.
            base = () if meta and chat_role(meta["type"]) else outer.base_path + tuple(t for _, t in outer.headings)
            # Numbered by a counter, not by id(): a closed container is freed and a later one can
            # reuse its address, which merged two containers' headings (results varied by run).
            box = _Container(start, end, callout_index, base, parent_section=_current_section(stack),
                             number=len(container_ends))
            container_ends[box.number] = end
            stack.append(box)
        elif kind == "blockquote_close":
            box = stack.pop()
            if box.callout is not None and last_message is not None and out.messages[last_message].callout == box.callout:
                nxt = tokens[index + 1] if index + 1 < len(tokens) else None
                uid = _find_uid(nxt.content) if nxt is not None and nxt.type == "html_block" and nxt.map else None
                if uid:
                    _set_uid(out, last_message, uid, nxt.map[1])
        elif kind == "html_block" and token.map and stack[-1].callout is not None and last_message is not None:
            uid = _find_uid(token.content)
            if uid and out.messages[last_message].callout == stack[-1].callout:
                _set_uid(out, last_message, uid, None)
        elif kind == "heading_open":
            in_head = True
            box = stack[-1]
            level = int(token.tag[1:])
            line = token.map[0] + 1
            title = _title(out, tokens[index + 1].content.strip(), line)
            title = _BLOCK_ID.sub("", title).strip() or title
            while box.headings and box.headings[-1][0] >= level:
                box.headings.pop()
                box.sections.pop()
            box.headings.append((level, title))
            box.sections.append(len(out.sections))
            path = box.base_path + tuple(t for _, t in box.headings)
            headings.append((line, level, box.number, len(out.sections)))
            out.sections.append(Section(title, level, line, line, path, box.callout))
        elif kind == "heading_close":
            in_head = False
        elif kind == "table_open":
            pending_table = {"line": token.map[0] + 1, "end": token.map[1], "header": (), "rows": [],
                             "row": None, "in_head": False}
        elif kind in ("thead_open", "thead_close") and pending_table is not None:
            pending_table["in_head"] = kind == "thead_open"
        elif kind == "tr_open" and pending_table is not None:
            pending_table["row"] = (token.map[0] + 1, [])
        elif kind == "tr_close" and pending_table is not None and pending_table["row"] is not None:
            line, cells = pending_table["row"]
            if pending_table["in_head"]:
                pending_table["header"] = tuple(cells)
            else:
                pending_table["rows"].append(TableRow(line, tuple(cells)))
            pending_table["row"] = None
        elif kind == "table_close" and pending_table is not None:
            t = pending_table
            out.tables.append(Table(t["line"], _trim(lines, t["end"], t["line"]), t["header"], tuple(t["rows"]),
                                    stack[-1].callout))
            pending_table = None
        elif kind == "footnote_reference_open":
            in_footnote = token.meta.get("label", "")
            footnote_start = token.map[0] + 1
            footnote_text = []
            footnote_end = token.map[1]
        elif kind == "footnote_reference_close" and in_footnote is not None:
            end = _trim(lines, footnote_end, footnote_start)
            if out.keep("footnotes", out.footnotes, footnote_start):
                out.footnotes.append(Footnote(in_footnote, footnote_start, end, " ".join(footnote_text).strip()))
            in_footnote = None
        elif kind == "inline":
            context = "table" if pending_table is not None else "footnote" if in_footnote is not None else "body"
            if pending_table is not None and pending_table["row"] is not None:
                pending_table["row"][1].append(token.content.strip())
            if in_footnote is not None:
                footnote_text.append(token.content)
            tags = _inline(token, out, context)
            if not in_head and pending_table is None and token.map:
                found = _fields_and_ids(token, out)
                if out.blocks and out.blocks[-1].text is token.content and out.blocks[-1].line == token.map[0] + 1:
                    out.blocks[-1] = replace(out.blocks[-1], markup=tuple(sorted(tags + list(found.spans))),
                                             field_lines=found.lines)

    _close_sections(out, headings, container_ends, lines)
    return out


def _current_section(stack: list[_Container]) -> int | None:
    for box in reversed(stack):
        if box.sections:
            return box.sections[-1]
        if box.parent_section is not None:
            return box.parent_section
    return None


def _find_uid(text: str) -> str | None:
    """``_UID.search(text).group(1)``, in one pass.

    The id is the run of non-blank, non-``>`` characters after ``UID:``, less a final ``--`` when a
    ``>`` ends the run, or the whole run when blanks and ``-->`` follow it. The regex re-read that
    run from every ``<!--`` inside it: quadratic in a long comment without blanks (64 KB: 17 s).
    A start whose run begins inside a run already found wanting ends the same way, so it is skipped.
    """
    if "-->" not in text:
        return None
    checked = 0  # end of the last run that gave no id
    for head in _UID_HEAD.finditer(text):
        start = head.end()
        if start < checked:
            continue
        end = _UID_BODY.match(text, start).end()
        if end == start:
            continue
        if _UID_TAIL.match(text, end):
            return text[start:end]
        if end - 2 > start and text.startswith("-->", end - 2):
            return text[start:end - 2]
        checked = end
    return None


def _set_uid(out: Collected, i: int, uid: str, end0: int | None) -> None:
    m = out.messages[i]
    end = max(m.end_line, end0) if end0 else m.end_line
    out.messages[i] = ChatMessage(m.role, m.author, m.timestamp, uid, m.line, end, m.callout)


def _chat_title(title: str) -> tuple[str | None, str | None]:
    match = _CHAT_TITLE.match(title)
    author = match.group(1).strip() if match else None
    date = _DATE.search(title)
    if not date:
        return author, None
    d, m, y, hh, mm = date.groups()
    stamp = f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    if hh is not None:
        stamp += f"T{int(hh):02d}:{mm}"
    return author, stamp


def _trim(lines: list[str], end: int, start: int) -> int:
    """Last non-blank line at or before ``end`` (1-based), not before ``start``."""
    end = min(end, len(lines))
    while end > start and lines[end - 1].strip() in ("", ">"):
        end -= 1
    return end


def _close_sections(out: Collected, headings: list, container_ends: dict[int, int], lines: list[str]) -> None:
    """A section ends before the next heading of its container at its level or above, else with the container.

    One pass with a stack of open headings per container (levels strictly rising): a heading closes
    every open one of its level or deeper. Scanning (and copying) the rest of the list for every
    heading was quadratic: 100,000 headings took over 40 s.
    """
    ends: dict[int, int] = {}  # heading index → last line of its section, before trimming
    open_by_box: dict[int, list[tuple[int, int]]] = {}  # container number → [(level, heading index)]
    for i, (line, level, box, _) in enumerate(headings):
        stack = open_by_box.setdefault(box, [])
        while stack and stack[-1][0] >= level:
            ends[stack.pop()[1]] = line - 1
        stack.append((level, i))
    for i, (line, _, box, sec_index) in enumerate(headings):
        end = ends.get(i, container_ends[box])
        s = out.sections[sec_index]
        out.sections[sec_index] = Section(s.title, s.level, s.line, _trim(lines, end, line), s.path, s.callout)


def _inline(token: Token, out: Collected, context: str) -> list[tuple[int, int]]:
    """Records of the token's links, tags and footnote references; the (start, end) of each tag in its text."""
    base = token.map[0] + 1 if token.map else 1
    offset = 0
    tags: list[tuple[int, int]] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            offset += 1
        elif kind == "wikilink":
            meta = child.meta
            offset = meta["offset"]
            if out.keep("links", out.links, base + offset):
                out.links.append(Link(child.markup, meta["target"], base + offset, "wiki", meta["embed"],
                                      meta["heading"], meta["block"], meta["alias"], context))
        elif kind == "tag":
            offset = child.meta["offset"]
            tags.append((child.meta["at"], child.meta["at"] + len(child.markup)))
            if out.keep("tags", out.tags, base + offset):
                out.tags.append(Tag(child.content, base + offset))
        elif kind == "footnote_ref":
            if out.keep("footnote references", out.footnote_refs, base + offset):
                out.footnote_refs.append(FootnoteRef(child.meta.get("label", ""), base + offset))
        elif kind in ("link_open", "image"):
            href = str(child.attrs.get("href") or child.attrs.get("src") or "")
            link = _markdown_link(href, base + offset, kind == "image", context)
            if link and out.keep("links", out.links, base + offset):
                out.links.append(link)
    return tags


def _markdown_link(href: str, line: int, embed: bool, context: str) -> Link | None:
    if not href or _URL_SCHEME.match(href) or href.startswith("//"):
        return None
    target, _, anchor = href.partition("#")
    target = unquote(target)
    heading = block = None
    if anchor:
        anchor = unquote(anchor)
        block, heading = (anchor[1:], None) if anchor.startswith("^") else (None, anchor)
    raw = f"{'!' if embed else ''}[]({href})"
    return Link(raw, target, line, "markdown", embed, heading, block, None, context)


def _fields_and_ids(token: Token, out: Collected) -> Fields:
    """The token's fields and block id as records; the fields as ``read_fields`` found them (spans, lines)."""
    base = token.map[0] + 1
    found = read_fields(token.content, base)
    out.fields.extend(found.records)
    last = token.content.rpartition("\n")[2]
    match = _BLOCK_ID.search(last)
    if match:
        out.block_ids.append(BlockId(match.group(1), base + token.content.count("\n"), base))
    return found
