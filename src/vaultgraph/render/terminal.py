"""Text for a terminal: names and texts with their control characters shown, not obeyed, and the Rich printers
of an answer, a comparison and why-paths (``kg ask``, ``kg compare``, ``kg why``). ``out`` is a Rich console."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..citations import obsidian_url, where
from .answers import grouped, title
from .comparison import item_line, short

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127, *range(0x80, 0xA0))} | {9: "\\t", 10: "\\n", 13: "\\r"} | {
    c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}  # bidi overrides reorder a line


def plain(text: object) -> str:
    """A name or text as the characters it holds: control characters (escape sequences, bell, carriage
    return, bidi overrides) shown as ``\\x1b`` … instead of reaching the terminal."""
    return str(text).translate(_CONTROL)


def plain_lines(text: str) -> str:
    """``plain`` for each line of a text printed as it is (Markdown): its line breaks kept."""
    return "\n".join(plain(line) for line in text.split("\n"))


def safe(text: object) -> str:
    """A name or text to put inside Rich markup: printed verbatim (``[b]``, ``[/x]`` are text), controls escaped."""
    from rich.markup import escape

    return escape(plain(text))


class _Batch:
    """A Rich console's ``print`` calls gathered into one: each print costs ~0.2 ms of parsing and measuring (a
    comparison's 300 lines took 60 ms), one print of all their lines a fraction of that, and prints the same text.
    A renderable that is not a string (a table) is printed in its place, after the lines before it."""

    def __init__(self, out) -> None:
        self.out, self.lines = out, []

    @property
    def width(self) -> int:
        return self.out.width

    def print(self, obj: object = "", markup: bool | None = None) -> None:
        if not isinstance(obj, str):
            self.flush()
            self.out.print(obj)
        else:
            self.lines.append(safe(obj) if markup is False else obj)

    def flush(self) -> None:
        if self.lines:
            self.out.print("\n".join(self.lines))
            self.lines = []


@contextmanager
def _batched(out) -> Iterator[_Batch]:
    if isinstance(out, _Batch):
        yield out
        return
    batch = _Batch(out)
    try:
        yield batch
    finally:
        batch.flush()


def rows(out, title_: str | None, items, fmt, limit: int | None, more: str = "--json for all") -> None:
    """A titled list, cut at ``limit`` with how many more there are."""
    if not items:
        return
    if title_:
        out.print(f"\n[bold]{title_}[/] ({len(items)})")
    for r in items[:limit]:
        out.print("  " + plain(fmt(r)), markup=False)
    if limit is not None and len(items) > limit:
        out.print(f"  … {len(items) - limit} more ({more})", markup=False)


def print_result(out, result, root: Path) -> None:
    """An answer: the question, its comparison or why-paths, then the statements by role with their citations
    (each an ``obsidian://`` link to the note)."""
    with _batched(out) as batch:
        _result(batch, result, root)


def _result(out, result, root: Path) -> None:
    concepts = ", ".join(label for _, label in result.entities) or "none recognised"
    out.print(f"[bold]{safe(result.question)}[/]  [dim]intent: {result.intent} · concepts: {safe(concepts)}[/]")
    if result.comparison is not None:
        out.print()
        show_comparison(out, result.comparison)
    if result.explanation is not None:
        out.print()
        show_explanation(out, result.explanation)
        out.print("\n[bold]Passages on the question[/]")
    if not result.answers:
        out.print("\nNothing in the vault answers this: no passage is about these concepts or close enough in "
                  "meaning. Try other words, or `kg search`.")
        return
    for role, answers in grouped(result):
        out.print(f"\n[bold underline]{title(role)}[/]")
        for a in answers:
            marks = []
            if a.inherited_from:
                marks.append(f"inherited from {a.inherited_from}")
            if a.author == "assistant":
                marks.append("written by the assistant")
            mark = f" [dim]({safe('; '.join(marks))})[/]" if marks else ""
            out.print(f"  • {safe(a.text)}{mark}")
            for c in a.citations:
                heading = f" [dim]· {safe(c.heading)}[/]" if c.heading else ""
                out.print(f"    [cyan][link={obsidian_url(root, c.path)}]{safe(where(c.path, c.line, c.end_line))}"
                          f"[/link][/]{heading}")
            if a.sources:
                out.print(f"    [dim]sources: {safe(', '.join(a.sources[:6]))}[/]")


def show_explanation(out, result) -> None:
    """Each path's steps with their citations (``kg why``, and ``kg ask`` for a why-question)."""
    with _batched(out) as batch:
        _explanation(batch, result)


def _explanation(out, result) -> None:
    if not result.paths:
        out.print(f"[bold]{safe(result.source)} → {safe(result.target)}[/]: {safe(result.message)}")
        return
    out.print(f"[bold]{safe(result.source)} → {safe(result.target)}[/]: {len(result.paths)} path(s)")
    for i, path in enumerate(result.paths, 1):
        chain = " → ".join([path.steps[0].source, *(s.target for s in path.steps)])
        out.print(f"\n[bold]{i}.[/] {safe(chain)}  [dim](score {path.score:.3f})[/]")
        for step in path.steps:
            who = " [dim](assistant)[/]" if step.author == "assistant" else ""
            out.print(f"   {safe(step.source)} [cyan]—{safe(step.relation)}→[/] {safe(step.target)}{who}")
            out.print(f"      “{safe(short(step.text, 220))}”")
            for c in step.citations:
                out.print(f"      [dim]{safe(c.short())}[/]")


def show_comparison(out, table, limit: int | None = 4) -> None:
    """The side-by-side table, or one block per aspect on a narrow terminal (``kg compare``, ``kg ask``): at most
    ``limit`` statements a cell (None: those the table holds), then how many more the vault holds."""
    with _batched(out) as batch:
        if batch.width >= 60 * (len(table.methods) + 1) // 2 + 40:
            _grid(batch, table, limit)
        else:
            _sections(batch, table, limit)
        batch.print("[dim]↑ improves, ↓ degrades; a risk that hurts a capability is in that capability's row; "
                    "— the vault says nothing.[/]")


def _grid(out, table, limit: int) -> None:
    from rich.table import Table

    grid = Table("aspect", *(safe(m) for m in table.methods), show_lines=True)
    for row in table.rows:
        cells = []
        for m in table.methods:
            items = row.cells[m]
            lines = [f"{safe(item_line(i, 120))}\n  [dim]{safe(_where(i))}[/]" for i in items[:limit]]
            if more := _more(row, m, limit):
                lines.append(f"[dim]{more}[/]")
            cells.append("\n".join(lines) if lines else "[dim]—[/]")
        grid.add_row(safe(row.aspect), *cells)
    out.print(grid)


def _sections(out, table, limit: int) -> None:
    """The same table for a narrow terminal: one block per aspect, one line per method."""
    width = max(len(m) for m in table.methods)
    for row in table.rows:
        out.print(f"\n[bold]{safe(row.aspect)}[/]")
        for m in table.methods:
            items = row.cells[m]
            if not items:
                out.print(f"  {safe(m.ljust(width))}  [dim]—[/]")
            for j, item in enumerate(items[:limit]):
                name = m.ljust(width) if j == 0 else " " * width
                out.print(f"  {safe(name)}  {safe(item_line(item, 160))}  [dim]{safe(_where(item))}[/]")
            if more := _more(row, m, limit):
                out.print(f"  {' ' * width}  [dim]{more}[/]")


def _more(row, method: str, limit: int | None) -> str:
    """"+1,234 more (kg compare --all)": the statements of a cell the vault holds beyond those shown, or ''."""
    more = row.total(method) - len(row.cells[method][:limit])
    return f"+{more:,} more (kg compare --all)" if more > 0 else ""


def _where(item) -> str:
    more = len(item.citations) - 2
    return " ".join(where(c.path, c.line, c.end_line) for c in item.citations[:2]) + (f" +{more}" if more > 0 else "")


__all__ = ["plain", "plain_lines", "print_result", "rows", "safe", "show_comparison", "show_explanation"]
