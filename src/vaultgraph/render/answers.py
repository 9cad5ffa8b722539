"""An answer (``query.answer.Result``) written out: the role titles and their order, and the Markdown of
``kg ask --markdown`` (every citation a wiki-link by ``citations.wikilink``)."""

from __future__ import annotations

from ..citations import wikilink
from .comparison import comparison_markdown

ROLE_TITLES = {"problem": "Problem", "consequence": "Consequences", "risk": "Risks", "solution": "Solutions",
               "evidence": "Evidence", "cost": "Cost", "definition": "Definition", "comparison": "Comparison",
               "claim": "What the notes say", "context": "Note metadata"}  # in the order answers are shown


def title(role: str, titles: dict[str, str] | None = None) -> str:
    """How a role is called (``titles``, else ``ROLE_TITLES``, else its own name)."""
    return (ROLE_TITLES if titles is None else titles).get(role, role.title())


def grouped(result) -> list[tuple[str, list]]:
    """The answers by role, the roles in the order of ``ROLE_TITLES`` (others last)."""
    groups: dict[str, list] = {}
    for a in result.answers:
        groups.setdefault(a.role, []).append(a)
    order = list(ROLE_TITLES)
    return sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def answer_markdown(result) -> str:
    """Markdown that pastes into a note: the question, the comparison table, then each role's statements with
    wiki-links to the cited sections."""
    lines = [f"## {result.question}", ""]
    if result.comparison is not None:
        lines += [comparison_markdown(result.comparison).rstrip("\n"), ""]
    if not result.answers:
        return "\n".join(lines + ["Nothing in the vault answers this.", ""])
    for role, answers in grouped(result):
        lines += [f"### {title(role)}", ""]
        for a in answers:
            cites = [wikilink(c.path, c.line, c.end_line, c.heading) for c in a.citations]
            extra = f" *(inherited from {a.inherited_from})*" if a.inherited_from else ""
            lines.append(f"- {a.text}{extra} — {', '.join(cites)}")
        lines.append("")
    return "\n".join(lines)


__all__ = ["ROLE_TITLES", "answer_markdown", "grouped", "title"]
