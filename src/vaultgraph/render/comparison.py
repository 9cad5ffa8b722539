"""A comparison (``reason.Comparison``) written out: one item's line, and the Markdown table that pastes into
an Obsidian note (``kg compare --markdown``, ``kg ask --markdown`` and a saved answer)."""

from __future__ import annotations

from dataclasses import replace

from ..citations import where, wikilink

ARROWS = {"improves": "↑", "degrades": "↓"}


def short(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def item_line(item, width: int = 160) -> str:
    """``↑ [from LoRA] the statement …``: a cell item's direction, where it is inherited from, and its text."""
    arrow = ARROWS.get(item.direction or "", "")
    prefix = (arrow + " " if arrow else "") + (f"[from {item.inherited_from}] " if item.inherited_from else "")
    return prefix + short(item.text, width)


def trimmed(comparison, limit: int):
    """The comparison with at most ``limit`` items a cell (each cell's total, the statements the vault holds, kept)."""
    return replace(comparison, rows=tuple(
        replace(r, cells={m: items[:limit] for m, items in r.cells.items()}) for r in comparison.rows))


def comparison_markdown(comparison, width: int = 160, link=None) -> str:
    """A Markdown table that pastes into an Obsidian note; citations are links to the cited headings
    (``link(citation)`` writes one: ``kg ask --save`` checks the headings exist)."""
    link = link or _link

    def cell(items, total: int) -> str:
        parts = []
        for item in items:
            links = " ".join(link(c) for c in item.citations)
            parts.append(_escape(item_line(item, width)) + (" " + links if links else ""))
        more = total - len(items)
        return "<br>".join(parts + ([f"+{more:,} more (`kg compare --all`)"] if more > 0 else []))

    head = "| aspect | " + " | ".join(_escape(m) for m in comparison.methods) + " |"
    rule = "|---|" + "---|" * len(comparison.methods)
    body = ["| " + _escape(row.aspect) + " | " + " | ".join(cell(row.cells[m], row.total(m)) for m in comparison.methods) + " |"
            for row in comparison.rows]
    return "\n".join([head, rule, *body]) + "\n"


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _link(c) -> str:
    if c.path.startswith("schema/"):
        return f"({where(c.path, c.line, c.end_line)})"
    return wikilink(c.path, c.line, c.end_line, c.heading, in_table=True)


__all__ = ["ARROWS", "comparison_markdown", "item_line", "short", "trimmed"]
