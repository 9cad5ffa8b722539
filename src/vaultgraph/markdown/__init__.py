"""Stage 2 of the pipeline: Obsidian Markdown → ``ParsedNote`` records with source line numbers.

    parser.py      parse_bytes / parse_text: decoding, frontmatter, markdown-it, the walk, the note's record
    plugins.py     markdown-it plugins: wiki-links, tags, callouts (tokens annotated, no HTML)
    links.py       the one reading of [[wiki-link]] syntax: links with offsets and parts; the text a link shows
    walk.py        the token walker: sections, links, tags, footnotes, callouts, chats, tables, fields, block ids
    fields.py      the one reading of Dataview fields (`key:: value` lines, `[key:: value]`): records and spans
    frontmatter.py YAML frontmatter read safely (alias bombs, depth and size refused), with line numbers
    budget.py      the parse's share of the limits of one note (tokens, inline steps, wall clock)
"""

from __future__ import annotations

from ..runtime import lazy_attributes

# the parser (markdown-it, YAML) is imported on first use: reading links.py alone (kg compare, kg ask) skips it
_LAZY = {"parse_bytes": ".parser", "parse_text": ".parser"}

__all__ = ["parse_bytes", "parse_text"]

__getattr__ = lazy_attributes(__name__, _LAZY, globals())
