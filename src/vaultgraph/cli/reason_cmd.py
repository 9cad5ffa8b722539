"""``kg why`` and ``kg compare``: linked method reasoning over the graph (``vaultgraph.reason``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import citations
from .app import EndpointOption, JsonOption, VaultOption, app, console, emit_json, ensure_index, plain_lines, vault_root


def _load(vault: Path | None, endpoint: str | None, quiet: bool):
    from ..reason import load

    root = vault_root(vault)
    ensure_index(root, quiet=quiet, endpoint=endpoint)
    return load(root, endpoint=endpoint)


@app.command()
def why(
    a: Annotated[str, typer.Argument(help="A concept: method, capability or phenomenon (any label, RU or EN).")],
    b: Annotated[str, typer.Argument(help="The concept it should connect to, e.g. CoT or «цепочка рассуждений».")],
    paths: Annotated[int, typer.Option("--paths", "-k", min=1, max=20, help="How many paths to show.")] = 3,
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """The shortest chains of cited claims from A to B, best first (shorter, better sourced, user-written)."""
    served = _served(vault, endpoint, "/api/why", [("a", a), ("b", b), ("paths", str(paths))])
    if served is not None:
        from ..service.live import explanation_from_dict

        result = explanation_from_dict(served)
    else:
        from ..reason import why as explain

        result = explain(_load(vault, endpoint, json_out), a, b, k=paths)
    if json_out:
        emit_json(served if served is not None else result.to_dict())
        return
    show_explanation(console(), result)


def _served(vault: Path | None, endpoint: str | None, route: str, params: list[tuple[str, str]]) -> dict | None:
    """The answer of a running `kg serve` of this vault (its reasoning graph is loaded), or None."""
    if endpoint:
        return None
    from ..service import live

    return live.request(vault_root(vault), route, params)


def show_explanation(out, result) -> None:
    """Each path's steps with their citations (also what `kg ask` prints for a why-question)."""
    if not result.paths:
        out.print(f"[bold]{_esc(result.source)} → {_esc(result.target)}[/]: {_esc(result.message)}")
        return
    out.print(f"[bold]{_esc(result.source)} → {_esc(result.target)}[/]: {len(result.paths)} path(s)")
    for i, path in enumerate(result.paths, 1):
        chain = " → ".join([path.steps[0].source, *(s.target for s in path.steps)])
        out.print(f"\n[bold]{i}.[/] {_esc(chain)}  [dim](score {path.score:.3f})[/]")
        for step in path.steps:
            who = " [dim](assistant)[/]" if step.author == "assistant" else ""
            out.print(f"   {_esc(step.source)} [cyan]—{_esc(step.relation)}→[/] {_esc(step.target)}{who}")
            out.print(f"      “{_esc(_short(step.text, 220))}”")
            for c in step.citations:
                out.print(f"      [dim]{_esc(c.short())}[/]")


@app.command()
def compare(
    methods: Annotated[list[str], typer.Argument(help="Two or more methods (any label, RU or EN).")],
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table to paste into a note.")] = False,
    limit: Annotated[int, typer.Option(help="Items shown per cell in text and Markdown (JSON has all).")] = 4,
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """What the vault says about each method side by side: effects, cost, risks, mitigations, sources."""
    from dataclasses import replace

    served = _served(vault, endpoint, "/api/compare", [("m", m) for m in methods])
    if served is not None:
        from ..service.live import comparison_from_dict

        table = comparison_from_dict(served)
    else:
        from ..reason import compare as side_by_side

        table = side_by_side(_load(vault, endpoint, json_out or markdown), methods)
    if json_out:
        emit_json(served if served is not None else table.to_dict())
        return
    if markdown:
        trimmed = replace(table, rows=tuple(replace(r, cells={m: items[:limit] for m, items in r.cells.items()})
                                            for r in table.rows))
        typer.echo(plain_lines(trimmed.to_markdown()), nl=False)
        return
    show_comparison(console(), table, limit)


def show_comparison(out, table, limit: int = 4) -> None:
    """The side-by-side table, or one block per aspect on a narrow terminal (also used by `kg ask`)."""
    if out.width >= 60 * (len(table.methods) + 1) // 2 + 40:
        _grid(out, table, limit)
    else:
        _sections(out, table, limit)
    out.print("[dim]↑ improves, ↓ degrades; a risk that hurts a capability is in that capability's row; "
              "— the vault says nothing.[/]")


def _grid(out, table, limit: int) -> None:
    from rich.table import Table

    from ..reason.comparison import item_line

    grid = Table("aspect", *(_esc(m) for m in table.methods), show_lines=True)
    for row in table.rows:
        cells = []
        for m in table.methods:
            items = row.cells[m]
            lines = [f"{_esc(item_line(i, 120))}\n  [dim]{_esc(_where(i))}[/]" for i in items[:limit]]
            if len(items) > limit:
                lines.append(f"[dim]… {len(items) - limit} more (--json for all)[/]")
            cells.append("\n".join(lines) if lines else "[dim]—[/]")
        grid.add_row(_esc(row.aspect), *cells)
    out.print(grid)


def _sections(out, table, limit: int) -> None:
    """The same table for a narrow terminal: one block per aspect, one line per method."""
    from ..reason.comparison import item_line

    width = max(len(m) for m in table.methods)
    for row in table.rows:
        out.print(f"\n[bold]{_esc(row.aspect)}[/]")
        for m in table.methods:
            items = row.cells[m]
            if not items:
                out.print(f"  {_esc(m.ljust(width))}  [dim]—[/]")
            for j, item in enumerate(items[:limit]):
                name = m.ljust(width) if j == 0 else " " * width
                out.print(f"  {_esc(name)}  {_esc(item_line(item, 160))}  [dim]{_esc(_where(item))}[/]")
            if len(items) > limit:
                out.print(f"  {' ' * width}  [dim]… {len(items) - limit} more (--json for all)[/]")


def _where(item) -> str:
    def one(c) -> str:
        return citations.where(c.path, c.line, c.end_line)

    more = len(item.citations) - 2
    return " ".join(one(c) for c in item.citations[:2]) + (f" +{more}" if more > 0 else "")


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _esc(text: str) -> str:
    from .app import safe

    return safe(text)
