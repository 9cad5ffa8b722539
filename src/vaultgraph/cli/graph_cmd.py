"""``kg export``, ``kg sparql`` and ``kg check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import citations
from .app import (EndpointOption, JsonOption, VaultOption, app, console, emit_json, ensure_index, fail, plain, safe,
                  vault_root)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, nt, jsonld or graphml.")] = "ttl",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    with_schema: Annotated[bool, typer.Option("--with-schema", help="Include the ontology and concept scheme.")] = False,
    vault: VaultOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Export the vault graph; the same vault always gives the same bytes."""
    from ..service.querying import export_formats, export_graph

    formats = export_formats()
    if fmt not in formats:
        fail(f"unknown format {fmt!r}: choose one of {', '.join(formats)}")
    if out is not None:
        _check_out(out)
    root = vault_root(vault)
    ensure_index(root, quiet=True, endpoint=endpoint)
    if out is None:
        try:
            export_graph(root, fmt, sys.stdout.buffer, with_schema, endpoint)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `kg export | head`: the reader has what it wanted
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        return
    # a file is written beside --out and renamed over it once whole: never a half-written file (a device, a
    # pipe is written to as it is)
    part = out.with_name(f".{out.name}.kg-part") if out.is_file() or not out.exists() else out
    try:
        with part.open("wb") as f:
            export_graph(root, fmt, f, with_schema, endpoint)
        if part != out:
            part.replace(out)
    except OSError as exc:  # a full disk
        fail(f"--out {out}: cannot write: {exc.strerror or exc}")
    finally:
        if part != out:
            part.unlink(missing_ok=True)
    typer.echo(f"wrote {out.stat().st_size} bytes to {plain(out)}", err=True)


def _check_out(out: Path) -> None:
    """Refused before anything runs: a folder, a missing parent folder."""
    if out.is_dir():
        fail(f"--out {out} is a folder: name a file in it")
    if not out.parent.is_dir():
        fail(f"--out {out}: folder {out.parent} does not exist")


def read_query(query: str) -> str:
    """The query text: the argument itself, or the file it names (a name ending in .rq/.sparql, or one word
    with no braces) — a missing file is reported as missing, not as a syntax error."""
    path = Path(query)
    file_like = len(query) < 4096 and "\n" not in query and (
        path.suffix.lower() in (".rq", ".sparql", ".ru", ".txt") or ("{" not in query and len(query.split()) == 1))
    if not file_like:
        return query
    if path.is_dir():
        fail(f"query file {query} is a folder")
    if not path.is_file():
        if "{" in query or len(query.split()) > 1:
            return query
        fail(f"query file {query} not found (pass a query, or a file holding one)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"query file {query}: cannot read: {exc.strerror or exc}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"query file {query} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")


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
    from ..service.querying import check_sparql, run_sparql, sparql_limits

    text = read_query(query)
    root = vault_root(vault)
    check_sparql(text)  # refused before anything runs, an index included
    ensure_index(root, quiet=True, endpoint=endpoint)
    limits = sparql_limits(timeout, max_rows, None if max_memory is None else max_memory * 2**20)
    result = run_sparql(root, text, sys.stdout.buffer, as_json=json_out, endpoint=endpoint, limits=limits)
    if result.truncated:
        typer.echo(f"kg: stopped after {result.rows:,} rows (--max-rows)", err=True)


@app.command()
def check(vault: VaultOption = None, endpoint: EndpointOption = None, json_out: JsonOption = False,
          limit: Annotated[int, typer.Option(min=0, help="Rows shown per list in text output (0: all).")] = 20) -> None:
    """SHACL report (each finding at its path:line), unresolved links, encoding repairs and vault health.
    Exits 0 when the graph conforms to the shapes, 1 when it has violations (health findings — unsourced
    claims, unmitigated risks, orphan notes, undefined concepts — are warnings), 2 when it cannot run."""
    from ..service.checking import check_vault

    root = vault_root(vault)
    ensure_index(root, quiet=True, endpoint=endpoint)
    report = check_vault(root, endpoint)
    if json_out:
        emit_json(report.to_dict())
    else:
        _print_report(console(), report, limit or None)
    raise typer.Exit(report.exit_code)


def _rows(out, title: str | None, rows, fmt, limit: int | None) -> None:
    from ..render.terminal import rows as print_rows

    print_rows(out, title, rows, fmt, limit, more="--limit 0 or --json for all")


def _print_report(out, report, limit: int | None) -> None:
    errors = len(report.violations)
    out.print(f"[bold]{safe(report.vault)}[/]: SHACL {'conforms' if not errors else f'{errors} violation(s)'}"
              f" ({len(report.shapes) - errors} warning(s)); {len(report.unresolved_links)} unresolved links; "
              f"{len(report.repairs)} repaired notes; {len(report.problems)} notes with problems")
    _rows(out, None, report.shapes, lambda r: f"{r.severity}: {r.where()}: {r.message}"
          + (f" ({r.property})" if r.property else ""), limit)
    _print_health(out, report.health, limit)


def _print_health(out, findings: dict, limit: int | None) -> None:
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
        _rows(out, title, rows, fmt, limit)
