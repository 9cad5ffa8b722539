"""``kg index`` and ``kg status``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import EndpointOption, JsonOption, VaultOption, app, console, emit_json, safe, vault_root


def run_index(root: Path, quiet: bool = False, workers: int | None = None, endpoint: str | None = None,
              model: str | None = None, threads: int | None = None, rebuild: bool = False):
    from ..service import index_vault

    if quiet or not sys.stderr.isatty():
        return index_vault(root, workers=workers, endpoint=endpoint, model=model, threads=threads, rebuild=rebuild)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}
        names = {"parse": "parsing notes", "graph": "building the graph", "embed": "embedding passages"}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(names.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        def answerable(first) -> None:
            from ..service.reports import answerable_now

            bar.console.print(f"`kg ask` works now: {answerable_now(first)}")

        return index_vault(root, progress=progress, workers=workers, endpoint=endpoint, model=model, threads=threads,
                           rebuild=rebuild, on_answerable=answerable)


@app.command()
def index(
    path: Annotated[Optional[str], typer.Argument(help="Vault folder.", show_default=False)] = None,
    vault: VaultOption = None,
    workers: Annotated[Optional[int], typer.Option(help="Parser processes (default: up to 2).")] = None,
    endpoint: EndpointOption = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", envvar="KG_MODEL",
        help="Embedding model: use-multilingual, e5-small, minilm, st:NAME_OR_PATH (any sentence-transformers "
             "model) or fake (default: the model the index already uses, else the built-in default).")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", envvar="KG_THREADS", min=1,
                                                   help="Threads for embedding.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Parse, extract and index every note again "
                                          "(readers keep the old index until the new one commits).")] = False,
    json_out: JsonOption = False,
) -> None:
    """Parse the vault into VAULT/.kg/ (only notes that changed are parsed again) and index its passages.
    A damaged index is rebuilt, and the report says why."""
    from ..service.reports import report_dict
    from ..service.unchanged import unchanged_report

    root = vault_root(path if path is not None else vault)
    # nothing changed: the same report without importing the pipeline (0.3 s); else (or at any doubt) the full run
    report = unchanged_report(root, endpoint=endpoint, model=model, rebuild=rebuild) or \
        run_index(root, quiet=json_out, workers=workers, endpoint=endpoint, model=model, threads=threads,
                  rebuild=rebuild)
    if json_out:
        emit_json(report_dict(report))
        return
    out = console()
    out.print(f"[bold]{safe(report.root)}[/]: {report.notes} notes ({report.parsed} parsed, {report.reused} unchanged, "
              f"{report.removed} removed), {report.attachments} attachments in {report.seconds:.2f} s")
    if report.reason:
        out.print(f"[yellow]{safe(report.reason)}[/]")
    out.print(f"links: {report.links} ({report.unresolved} unresolved); repaired notes: {report.repaired}; "
              f"warnings: {report.warnings}; failed: {report.failed}; skipped: {report.skipped}")
    for path, why in report.limited[:10]:  # notes too big or too costly to index whole: what was left out
        out.print(f"[yellow]indexed in part[/] {safe(path)}: {safe(why)}")
    if len(report.limited) > 10:
        out.print(f"… and {len(report.limited) - 10} more notes indexed in part (kg status)")
    if report.graph:
        g = report.graph
        out.print(f"graph: {g.extracted} notes extracted{f' (all: {g.reason})' if g.full else ''}, "
                  f"{g.claims} claims, {g.risks} risks")
    if report.search:
        s = report.search
        on = f" on {s.embed_workers} processes" if s.embed_workers > 1 else ""
        dense = f"vectors by {s.model} ({s.embedded} embedded{on}, the rest cached)" if s.model else "no vectors"
        out.print(f"search: {s.passages} passages, {dense}{'' if s.rebuilt else ', unchanged'}")
        if report.answerable_after is not None:
            out.print(f"answerable after {report.answerable_after:.1f} s, the whole index "
                      f"{report.seconds - report.answerable_after:.1f} s later")
        if s.reason:
            out.print(f"[yellow]{safe(s.reason)}[/]")
        if s.warning:
            out.print(f"[yellow]{safe(s.warning)}[/]")


@app.command()
def status(vault: VaultOption = None, json_out: JsonOption = False,
           limit: Annotated[int, typer.Option(help="Rows shown per list in text output.")] = 20) -> None:
    """What is indexed, stale, skipped or failed (and why), repairs and unresolved links."""
    from ..render.terminal import rows as print_rows
    from ..service import status as vault_status
    from .app import ensure_index

    root = vault_root(vault)
    ensure_index(root, quiet=json_out)
    data = vault_status(root)
    if json_out:
        emit_json(data)
        return
    out = console()
    ago = data["seconds_since_index"]
    when = f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(data['indexed_at']))} ({ago:.0f} s ago)" if ago is not None else "never"
    out.print(f"[bold]{safe(data['vault'])}[/]  indexed {when}")
    out.print(f"notes: {data['notes']}  parsed: {data['parsed']} ({data['with_warnings']} with warnings)  "
              f"skipped: {data['skipped']}  failed: {data['failed']}")
    out.print(f"changed since: {len(data['stale'])} stale, {len(data['new'])} new, {len(data['deleted'])} deleted")
    if data["search"]["notes_pending"]:
        out.print(f"[yellow]a first index answers from its most recently modified notes: "
                  f"{data['search']['notes_pending']} others are not indexed yet (`kg index` adds them)[/]")
    out.print(f"links: {data['links']}  unresolved: {len(data['unresolved_links'])}")
    terms = data["terms"]
    out.print(f"learned terms: {terms['distinct']} distinct ("
              + ", ".join(f"{n} {kind}" for kind, n in terms["by_kind"].items() if n and kind != "pair")
              + f"; {terms['pairs']} bilingual pairs)  — kg terms lists them")
    search = data["search"]
    pending = search["vectors_pending"]
    out.print(f"search: {search['passages']} passages, "
              + (f"vectors by {search['model']}" if search["model"] else
                 f"no vectors yet: {pending} passages wait for them (BM25 and the graph answer meanwhile; "
                 "`kg index` computes them)" if pending else "no vectors (BM25 and the graph only)"))
    for title, rows, fmt in (
        ("problems", data["problems"], lambda r: f"{r['path']}: {r['status']}: {r['reason']}"),
        ("encoding repairs", data["repairs"], lambda r: f"{r['path']}: {r['detail']}"),
        ("unresolved links", data["unresolved_links"], lambda r: f"{r['source']}:{r['line']}: {r['raw']}"
         + (f" (matches an alias of {r['alias_of']}: Obsidian opens nothing)" if r["alias_of"] else "")),
    ):
        print_rows(out, title, rows, fmt, limit)
