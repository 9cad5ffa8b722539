"""``kg export``, ``kg sparql`` and ``kg check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import citations
from .app import EndpointOption, JsonOption, VaultOption, app, console, emit_json, ensure_index, fail, vault_root


def _graph(vault, endpoint: str | None = None):
    from ..graph.store import open_graph

    root = vault_root(vault)
    ensure_index(root, quiet=True, endpoint=endpoint)
    return root, open_graph(root, readonly=True, endpoint=endpoint)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, nt, jsonld or graphml.")] = "ttl",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    with_schema: Annotated[bool, typer.Option("--with-schema", help="Include the ontology and concept scheme.")] = False,
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Export the vault graph; the same vault always gives the same bytes."""
    from ..graph.export import FORMATS, export as do_export

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    _, graph = _graph(vault, endpoint)
    data = do_export(graph.quads(include_schema=with_schema), fmt)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {len(data)} bytes to {out}", err=True)


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or a file holding one.")],
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
    timeout: Annotated[Optional[float], typer.Option(
        "--timeout", envvar="KG_SPARQL_TIMEOUT", min=0,
        help="Stop a query after the engine worked this many seconds (default 60; 0: no limit).")] = None,
    max_rows: Annotated[Optional[int], typer.Option(
        "--max-rows", envvar="KG_SPARQL_MAX_ROWS", min=0,
        help="Print at most this many rows (default 100,000; 0: no limit).")] = None,
    max_memory: Annotated[Optional[int], typer.Option(
        "--max-memory", envvar="KG_SPARQL_MAX_MEMORY", min=0,
        help="Stop a query whose engine holds more than this many MiB (default 2048; 0: no limit).")] = None,
) -> None:
    """Run a read-only SPARQL query over the vault graph (all notes' graphs as the default graph); rows are
    printed as they are found. SERVICE and updates are refused."""
    from ..graph import sparql as engine

    path = Path(query)
    text = path.read_text(encoding="utf-8") if len(query) < 4096 and "\n" not in query and path.is_file() else query
    root = vault_root(vault)
    engine.check(text)  # refused before anything runs, an index included
    ensure_index(root, quiet=True, endpoint=endpoint)
    defaults = engine.Limits()
    limits = engine.Limits(seconds=defaults.seconds if timeout is None else timeout,
                           rows=defaults.rows if max_rows is None else max_rows,
                           memory=defaults.memory if max_memory is None else max_memory * 2**20)
    with engine.run(root, text, endpoint=endpoint, limits=limits) as result:
        (engine.write_json if json_out else engine.write_text)(result, sys.stdout.buffer)
    if result.truncated:
        typer.echo(f"kg: stopped after {result.rows:,} rows (--max-rows)", err=True)


@app.command()
def check(vault: VaultOption = None, endpoint: EndpointOption = None, json_out: JsonOption = False,
          limit: Annotated[int, typer.Option(help="Rows shown per list in text output.")] = 20) -> None:
    """SHACL report, unresolved links, encoding repairs and vault health; exits 1 when the graph violates the
    shapes (health findings — unsourced claims, unmitigated risks, orphan notes, undefined concepts — are warnings)."""
    from ..graph.shapes import validate
    from ..model import to_dict
    from ..reason import health, load
    from ..service import status

    root, graph = _graph(vault, endpoint)
    violations = validate(graph.quads())
    info = status(root)
    errors = [v for v in violations if v.severity == "Violation"]
    findings = health(load(root, endpoint=endpoint))
    data = {"vault": str(root), "conforms": not errors, "violations": to_dict(violations),
            "unresolved_links": info["unresolved_links"], "repairs": info["repairs"], "problems": info["problems"],
            **findings}
    if json_out:
        emit_json(data)
    else:
        out = console()
        out.print(f"[bold]{root}[/]: SHACL {'conforms' if not errors else f'{len(errors)} violation(s)'}"
                  f" ({len(violations) - len(errors)} warning(s)); {len(info['unresolved_links'])} unresolved links; "
                  f"{len(info['repairs'])} repaired notes; {len(info['problems'])} notes with problems")
        for v in violations[:limit]:
            out.print(f"  {v.severity}: {v.focus} {v.path or ''}: {v.message}", markup=False)
        _print_health(out, findings, limit)
    if errors:
        raise typer.Exit(1)


def _print_health(out, findings: dict, limit: int) -> None:
    """Vault health from the reasoning graph: warnings, each with the lines to look at."""
    def where(r: dict) -> str:
        return citations.where(r["path"], r["line"], r["end_line"])

    def text(r: dict) -> str:
        t = " ".join(r["text"].split())
        return t if len(t) <= 100 else t[:99] + "…"

    sections = (
        ("claims with no source", findings["unsourced_claims"], lambda r: f"{where(r)}  {text(r)}"),
        ("risks with no mitigation anywhere in the vault", findings["unmitigated_risks"],
         lambda r: f"{where(r)}  {text(r)}"),
        ("orphan notes (no links in or out)", findings["orphan_notes"], lambda r: r["path"]),
        ("concepts mentioned often but never defined", findings["undefined_concepts"],
         lambda r: f"{r['label']} ({r['concept']}): {r['claims']} claims in {r['notes']} notes"),
    )
    out.print("health (warnings): " + "; ".join(f"{len(rows)} {title}" for title, rows, _ in sections))
    for title, rows, fmt in sections:
        if rows:
            out.print(f"\n[bold]{title}[/] ({len(rows)})")
            for r in rows[:limit]:
                out.print("  " + fmt(r), markup=False)
            if len(rows) > limit:
                out.print(f"  … {len(rows) - limit} more (--json for all)")
