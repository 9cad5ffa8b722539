"""``kg why`` and ``kg compare``: linked method reasoning over the graph (``vaultgraph.reason``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import (EndpointOption, JsonOption, VaultOption, app, console, emit_json, ensure_index, plain_lines, say,
                  vault_root)


def _indexed(vault: Path | None, endpoint: str | None, quiet: bool) -> Path:
    root = vault_root(vault)
    ensure_index(root, quiet=quiet, endpoint=endpoint)
    return root


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
        from ..service import reasoning

        result = reasoning.why(_indexed(vault, endpoint, json_out), a, b, k=paths, endpoint=endpoint)
    say(*result.notices)
    if json_out:
        emit_json(served if served is not None else result.to_dict())
        return
    from ..render.terminal import show_explanation

    show_explanation(console(), result)


def _served(vault: Path | None, endpoint: str | None, route: str, params: list[tuple[str, str]]) -> dict | None:
    """The answer of a running `kg serve` of this vault (its reasoning graph is loaded), or None."""
    if endpoint:
        return None
    from ..service import live

    return live.request(vault_root(vault), route, params)


@app.command()
def compare(
    methods: Annotated[list[str], typer.Argument(help="Two or more methods (any label, RU or EN).")],
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table to paste into a note.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Statements read and shown per cell, JSON included "
                                                           "(default 6); each cell says how many more it holds.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every statement of every cell (a hub method of a big "
                                                            "vault has thousands).")] = False,
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """What the vault says about each method side by side: effects, cost, risks, mitigations, sources."""
    bound = [("limit", "all" if everything else str(limit))] if everything or limit else []
    served = _served(vault, endpoint, "/api/compare", [("m", m) for m in methods] + bound)
    if served is not None:
        from ..service.live import comparison_from_dict

        table = comparison_from_dict(served)
    else:
        from ..service import reasoning

        table = reasoning.compare(_indexed(vault, endpoint, json_out or markdown), methods, endpoint=endpoint,
                                  limit=limit, everything=everything)
    say(*table.notices)
    if json_out:
        emit_json(served if served is not None else table.to_dict())
        return
    if markdown:
        from ..render.comparison import comparison_markdown

        typer.echo(plain_lines(comparison_markdown(table)), nl=False)
        return
    from ..render.terminal import show_comparison

    show_comparison(console(), table, None)
