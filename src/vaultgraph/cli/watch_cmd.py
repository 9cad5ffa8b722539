"""``kg watch``: index the vault, then keep the index up to date while it is edited."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import EndpointOption, VaultOption, app, stop_on_sigterm, vault_root


def _describe(changes: tuple[tuple[str, str], ...], shown: int = 3) -> str:
    by_kind: dict[str, list[str]] = {}
    for change, path in changes:
        by_kind.setdefault(change, []).append(path)
    parts = []
    for kind, paths in by_kind.items():
        more = f" (+{len(paths) - shown} more)" if len(paths) > shown else ""
        parts.append(f"{kind} {', '.join(paths[:shown])}{more}")
    return "; ".join(parts) or "changes"


def _line(event) -> str:
    r = event.report
    what = "indexed" if event.trigger == "start" else _describe(event.changes)
    text = (f"{time.strftime('%H:%M:%S')} {what}: {r.parsed} parsed, {r.removed} removed, {r.notes} notes, "
            f"{r.unresolved} unresolved links in {r.seconds:.2f} s")
    if event.waited_busy:
        text += f" (waited {event.waited_busy:.1f} s for another kg)"
    if event.retry:
        text += f"; changed while being read, reading again: {', '.join(event.retry)}"
    return text


@app.command()
def watch(
    path: Annotated[Optional[str], typer.Argument(help="Vault folder.", show_default=False)] = None,
    vault: VaultOption = None,
    debounce: Annotated[Optional[int], typer.Option(
        "--debounce", envvar="KG_WATCH_DEBOUNCE_MS", min=0, show_default=False,
        help="Milliseconds of quiet after the last change before re-indexing (default: 300).")] = None,
    endpoint: EndpointOption = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", envvar="KG_MODEL", help="Embedding model, as for `kg index` (default: the one the index uses).")
    ] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", envvar="KG_THREADS", min=1,
                                                   help="Threads for embedding.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (one line) per re-index.")] = False,
) -> None:
    """Index the vault, then re-index on every change (debounced) until Ctrl-C."""
    from ..service.watching import WatchSettings, watch_vault
    from .index_cmd import run_index

    root = vault_root(path if path is not None else vault)
    settings = WatchSettings() if debounce is None else WatchSettings(debounce_ms=debounce)
    started = [False]

    def index(folder: Path):
        first = not started[0]
        started[0] = True
        # a progress bar for the first, full run only (and only on a terminal)
        return run_index(folder, quiet=quiet or json_out or not first, endpoint=endpoint, model=model,
                         threads=threads)

    def on_reindex(event) -> None:
        if event.error:
            typer.echo(f"kg watch: re-index failed: {event.error}", err=True)
        if json_out:
            sys.stdout.write(json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
        elif not quiet and not event.error:
            sys.stdout.write(_line(event) + ("; watching (Ctrl-C to stop)" if event.trigger == "start" else "")
                             + "\n")
        sys.stdout.flush()

    def on_notice(message: str) -> None:
        if not quiet:
            typer.echo(f"kg watch: {message}", err=True)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        watch_vault(root, on_reindex, settings, index=index, on_notice=on_notice)
    except KeyboardInterrupt:
        if not quiet and not json_out:
            typer.echo("kg watch: stopped", err=True)
    raise typer.Exit(0)
