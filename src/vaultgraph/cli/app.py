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
from ..render.terminal import plain, plain_lines, safe  # noqa: F401 - the commands print through these

app = typer.Typer(
    name="kg",
    help="Query an Obsidian research vault as a knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

VaultOption = Annotated[
    Optional[str],
    typer.Option("--vault", "-v", help="Vault folder (default: $KG_VAULT, the enclosing vault, or the demo vault)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
EndpointOption = Annotated[
    Optional[str],
    typer.Option("--endpoint", envvar="KG_ENDPOINT",
                 help="Keep the graph on this SPARQL 1.1 server (e.g. http://127.0.0.1:7878 for `oxigraph serve`) "
                      "instead of VAULT/.kg/graph."),
]


def vault_root(vault: str | Path | None) -> Path:
    from ..service.opening import find_vault

    return find_vault(vault)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


USAGE = 2  # exit codes: 0 ok, 1 findings (kg check), 2 usage or cannot run


def say(*messages: str) -> None:
    """Each message (a notice, a step of work) on stderr after "kg: ", where a result on stdout stays clean."""
    for message in messages:
        typer.echo(f"kg: {message}", err=True)


def fail(message: str) -> None:
    typer.echo(f"kg: {plain(message)}", err=True)
    raise typer.Exit(USAGE)


def console():
    """Rich console for stdout; a ``print(..., markup=False)`` has its strings' control characters escaped
    (names and texts printed as text), markup prints must pass data through ``safe``."""
    from rich.console import Console

    class _Out(Console):
        def print(self, *objects, markup=None, **kwargs):
            if markup is False:
                objects = tuple(plain(o) if isinstance(o, str) else o for o in objects)
            super().print(*objects, markup=markup, **kwargs)

    return _Out(highlight=False, soft_wrap=True, emoji=False)


def ensure_index(root: Path, quiet: bool = False, endpoint: str | None = None) -> None:
    """Build the index the first time a command needs it — only in a vault (``.obsidian/`` or ``.kg/``): a
    read command never starts indexing any other folder."""
    from ..service.opening import ensure_index as first_index
    from .index_cmd import run_index

    first_index(root, lambda folder: run_index(folder, quiet=quiet, endpoint=endpoint))


def stop_on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    """SIGTERM stops a long-running command (kg watch, kg serve) as Ctrl-C does: cleanly."""
    raise KeyboardInterrupt


def main() -> None:
    import sqlite3

    from . import (ask_cmd, graph_cmd, index_cmd, mcp_cmd, reason_cmd, serve_cmd, show_cmd,  # noqa: F401
                   terms_cmd, watch_cmd)  # importing registers the commands

    if "--save" in sys.argv:
        sys.argv[1:] = ask_cmd.bare_save(sys.argv[1:])
    try:
        app()
    except VaultgraphError as exc:
        _exit(str(exc))
    except sqlite3.DatabaseError as exc:  # SQLite's own error from a page found damaged while reading
        damaged = getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        _exit(f"the index is damaged ({exc}): run `kg index --rebuild`" if damaged
              else f"the index cannot be read ({exc})")
    except BrokenPipeError:
        sys.exit(0)
    except KeyboardInterrupt:
        _exit("interrupted", 130)
    except OSError as exc:  # a folder that cannot be written, a full disk …: what and where, on one line
        import errno

        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and "/.kg" in str(exc.filename or ""):
            _exit(f"cannot write the index: {where}{exc.strerror} (kg keeps its index in the vault's .kg/: "
                  "make the vault writable, or index a copy of it)")
        _exit(f"{where}{exc.strerror or exc}")
    except MemoryError:
        _exit("out of memory")
    except Exception as exc:  # noqa: BLE001 - a bug still reaches the user as one line (KG_DEBUG=1: traceback)
        import os

        if os.environ.get("KG_DEBUG"):
            raise
        _exit(f"unexpected error: {type(exc).__name__}: {exc} (run with KG_DEBUG=1 for the traceback)")


def _exit(message: str, code: int = USAGE) -> None:
    typer.echo(f"kg: {plain(' '.join(message.split())) or 'failed'}", err=True)
    sys.exit(code)
