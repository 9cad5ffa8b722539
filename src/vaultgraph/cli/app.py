"""The ``kg`` command: a thin typer layer over ``vaultgraph.service``.

Only this package reads settings (``--vault``, ``KG_VAULT``) and decides how to print.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..errors import VaultgraphError

app = typer.Typer(
    name="kg",
    help="Query an Obsidian research vault as a knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

VaultOption = Annotated[
    Optional[Path],
    typer.Option("--vault", "-v", help="Vault folder (default: $KG_VAULT, the enclosing vault, or the demo vault)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
EndpointOption = Annotated[
    Optional[str],
    typer.Option("--endpoint", envvar="KG_ENDPOINT",
                 help="Keep the graph on this SPARQL 1.1 server (e.g. http://127.0.0.1:7878 for `oxigraph serve`) "
                      "instead of VAULT/.kg/graph."),
]


def vault_root(vault: Path | None) -> Path:
    from ..vault import find_vault

    return find_vault(vault)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(message: str) -> None:
    typer.echo(f"kg: {message}", err=True)
    raise typer.Exit(1)


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def ensure_index(root: Path, quiet: bool = False, endpoint: str | None = None) -> None:
    """Build the index the first time a command needs it."""
    from ..store import exists

    if not exists(root):
        from .index_cmd import run_index

        run_index(root, quiet=quiet, endpoint=endpoint)


def main() -> None:
    import sqlite3

    from . import (ask_cmd, graph_cmd, index_cmd, mcp_cmd, reason_cmd, serve_cmd, show_cmd,  # noqa: F401
                   terms_cmd, watch_cmd)  # importing registers the commands

    if "--save" in sys.argv:
        sys.argv[1:] = ask_cmd.bare_save(sys.argv[1:])
    try:
        app()
    except VaultgraphError as exc:
        typer.echo(f"kg: {exc}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:  # SQLite's own error from a page found damaged while reading
        damaged = getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        typer.echo(f"kg: the index is damaged ({exc}): run `kg index --rebuild`" if damaged
                   else f"kg: the index cannot be read ({exc})", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
