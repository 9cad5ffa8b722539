"""How a place in the vault is written: line ranges, ``path:line-end``, wiki-links and ``obsidian://`` links.

Every answer, check, comparison and exported term cites lines of a note; they all spell the place here, so
the terminal, Markdown, JSON front ends and SKOS exports agree on it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote


def lines(line: int, end_line: int | None = None) -> str:
    """``12`` for one line, ``12-14`` for a range."""
    return f"{line}" + (f"-{end_line}" if end_line is not None and end_line != line else "")


def where(path: str, line: int, end_line: int | None = None) -> str:
    """``notes/LoRA.md:12-14``: a vault-relative path and its lines."""
    return f"{path}:{lines(line, end_line)}"


def note_name(path: str) -> str:
    """The name Obsidian links a file by: its vault-relative path without ``.md``."""
    return path[:-3] if path.lower().endswith(".md") else path


def obsidian_prefix(root: Path) -> str:
    """The ``obsidian://open`` URL of the vault at ``root`` up to its file: append a note's ``note_name``
    percent-encoded as ``obsidian_url`` does (the web page builds its links so)."""
    return f"obsidian://open?vault={quote(Path(root).name, safe='')}&file="


def obsidian_url(root: Path, path: str) -> str:
    """The ``obsidian://open`` URL of a note of the vault at ``root`` (vault and file percent-encoded)."""
    return obsidian_prefix(root) + quote(note_name(path), safe="")


def heading_anchor(heading: str | None) -> str:
    """A wiki-link's ``#heading`` for a heading path ("A › B" links its last heading), with the characters a
    link cannot hold (``# | [ ]``) replaced; '' without a heading."""
    if not heading:
        return ""
    last = heading.split(" › ")[-1]
    return "#" + last.replace("#", " ").replace("|", " ").replace("[", "(").replace("]", ")")


def wikilink(path: str, line: int, end_line: int | None = None, heading: str | None = None,
             in_table: bool = False) -> str:
    """``[[notes/LoRA#Risks|LoRA:12-14]]``: a link to the section that shows the note's name and lines;
    ``in_table`` escapes its pipe for a Markdown table cell."""
    name = note_name(path)
    pipe = "\\|" if in_table else "|"
    return f"[[{name}{heading_anchor(heading)}{pipe}{name.rsplit('/', 1)[-1]}:{lines(line, end_line)}]]"


__all__ = ["heading_anchor", "lines", "note_name", "obsidian_prefix", "obsidian_url", "where", "wikilink"]
