"""Frozen records shared by the pipeline stages.

Every line number is 1-based and refers to the note's source file as an editor shows it.
Records are plain frozen dataclasses so each stage is a function from records to records;
``to_dict`` gives the JSON form used by ``--json`` output and the on-disk store.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a statement an answer shows comes from: a vault-relative path, 1-based lines, the heading."""

    path: str
    line: int
    end_line: int
    heading: str | None

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "end_line": self.end_line, "heading": self.heading}

    def short(self) -> str:
        from .citations import where

        return where(self.path, self.line, self.end_line) + (f" § {self.heading}" if self.heading else "")


@dataclass(frozen=True)
class Section:
    """A heading and the lines it governs (up to the next heading of the same or higher level)."""

    title: str
    level: int
    line: int  # the heading line
    end_line: int
    path: tuple[str, ...]  # heading titles from the outermost to this one
    callout: int | None = None  # index into ParsedNote.callouts when the heading sits in a callout


@dataclass(frozen=True)
class Link:
    """A link as written. ``target`` is the note/file part, empty for ``[[#local heading]]``."""

    raw: str
    target: str
    line: int
    kind: str = "wiki"  # "wiki" | "markdown"
    embed: bool = False
    heading: str | None = None
    block: str | None = None
    alias: str | None = None
    context: str = "body"  # "body" | "table" | "footnote" | "frontmatter" | "field"


@dataclass(frozen=True)
class ResolvedLink:
    """A link with the vault-relative path Obsidian would open, or ``None`` when unresolved."""

    source: str
    link: Link
    target: str | None
    how: str  # "path" | "relative" | "name" | "alias" | "self" | "unresolved"


@dataclass(frozen=True)
class Tag:
    name: str  # without '#', as written (case kept)
    line: int  # the line holding it (for a frontmatter tag, the frontmatter line that names it)
    source: str = "inline"  # "inline" | "frontmatter"


@dataclass(frozen=True)
class FootnoteRef:
    label: str
    line: int


@dataclass(frozen=True)
class Footnote:
    label: str
    line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class Callout:
    type: str  # lower-cased, e.g. "warning", "nexus_agent"
    title: str
    fold: str | None  # "+", "-" or None
    line: int
    end_line: int
    depth: int = 1  # nesting level of the blockquote


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "user" | "assistant" | other callout suffix
    author: str
    timestamp: str | None  # ISO 8601 when the title carries a date
    uid: str | None
    line: int
    end_line: int
    callout: int  # index into ParsedNote.callouts


@dataclass(frozen=True)
class TableRow:
    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    line: int
    end_line: int
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    callout: int | None = None


@dataclass(frozen=True)
class InlineField:
    key: str
    value: str
    line: int
    bracketed: bool = False


@dataclass(frozen=True)
class BlockId:
    id: str
    line: int  # the line carrying the ^id
    start_line: int  # first line of the block it names


@dataclass(frozen=True)
class Block:
    """A paragraph or a list item's own text: the unit a person cites."""

    kind: str  # "paragraph" | "item"
    line: int
    end_line: int
    text: str  # inline Markdown as written, without "> " or list markers
    section: int | None  # index into ParsedNote.sections of the heading governing it
    callout: int | None = None  # innermost callout holding it
    depth: int = 0  # list nesting (0 outside lists)
    # markup that is not prose, as the parser read it: (start, end) in ``text`` of each tag and ``[key:: value]``
    # field, and the lines (of the note) that are a ``key:: value`` field
    markup: tuple[tuple[int, int], ...] = ()
    field_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Repair:
    """Something the decoder changed or guessed: counts and the affected lines."""

    kind: str  # "mojibake" | "invalid-utf8" | "bom" | "crlf"
    lines: tuple[int, ...]
    count: int
    detail: str


@dataclass(frozen=True)
class Warning:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedNote:
    path: str  # vault-relative, POSIX separators
    title: str  # file name without extension
    sha256: str
    line_count: int
    frontmatter: dict[str, Any]
    frontmatter_lines: tuple[int, int] | None
    aliases: tuple[str, ...]
    tags: tuple[Tag, ...]
    sections: tuple[Section, ...]
    links: tuple[Link, ...]
    footnote_refs: tuple[FootnoteRef, ...]
    footnotes: tuple[Footnote, ...]
    callouts: tuple[Callout, ...]
    messages: tuple[ChatMessage, ...]
    tables: tuple[Table, ...]
    fields: tuple[InlineField, ...]
    block_ids: tuple[BlockId, ...]
    blocks: tuple[Block, ...] = ()
    frontmatter_keys: tuple[tuple[str, int, int], ...] = ()  # (top-level key, first line, last line)
    repairs: tuple[Repair, ...] = ()
    warnings: tuple[Warning, ...] = ()
    text: str = field(default="", repr=False, compare=False)

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        data = to_dict(self)
        if not with_text:
            data.pop("text", None)
        return data


def to_dict(record: Any) -> Any:
    """JSON-ready form of a record (tuples become lists)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_dict(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, (list, tuple)):
        return [to_dict(x) for x in record]
    if isinstance(record, dict):
        return {str(k): to_dict(v) for k, v in record.items()}
    return record


def from_dict(cls: type, data: Any) -> Any:
    """Inverse of ``to_dict`` for the record types above."""
    if not dataclasses.is_dataclass(cls):
        return data
    kwargs = {}
    hints = {f.name: f for f in dataclasses.fields(cls)}
    for name, f in hints.items():
        if name not in data:
            continue
        kwargs[name] = _coerce(f.type, data[name])
    return cls(**kwargs)


_RECORDS: dict[str, type] = {}


def _coerce(annotation: Any, value: Any) -> Any:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if value is None:
        return None
    for name, cls in _RECORDS.items():
        if text.startswith(f"tuple[{name},") or text == name:
            if text == name:
                return from_dict(cls, value)
            return tuple(from_dict(cls, v) for v in value)
    if text.startswith("tuple[") and isinstance(value, list):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    if text.startswith("Link") and isinstance(value, dict):
        return from_dict(Link, value)
    return value


for _cls in (Block, Section, Link, Tag, FootnoteRef, Footnote, Callout, ChatMessage, TableRow, Table,
             InlineField, BlockId, Repair, Warning):
    _RECORDS[_cls.__name__] = _cls
