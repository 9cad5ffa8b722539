"""``kg serve``: index, watch and answer over HTTP from one warm process (``vaultgraph.server``)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import VaultOption, app, stop_on_sigterm, vault_root


def _usage(message: str) -> None:
    typer.echo(f"kg serve: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def serve(
    path: Annotated[Optional[Path], typer.Argument(help="Vault folder.", show_default=False)] = None,
    vault: VaultOption = None,
    port: Annotated[int, typer.Option("--port", "-p", envvar="KG_PORT", min=0, max=65535,
                                      help="Port to listen on (0: any free port).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but the loopback needs --token.")
                    ] = "127.0.0.1",
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="KG_SERVE_TOKEN", help="Every request must carry it (Authorization: Bearer TOKEN, or "
        "?token=TOKEN for the page).", show_default=False)] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", envvar="KG_THREADS", min=1,
                                                   help="Threads for the model and FAISS.")] = None,
    debounce: Annotated[Optional[int], typer.Option(
        "--debounce", envvar="KG_WATCH_DEBOUNCE_MS", min=0, show_default=False,
        help="Milliseconds of quiet after the last change before re-indexing (default: 300).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the address and errors.")] = False,
) -> None:
    """Index the vault, keep it indexed while you write, and answer over HTTP: the JSON API (the CLI's --json
    shapes) and a web page with answers, citations and the graph around them. Ctrl-C stops it."""
    from ..server.http import Server, local_host
    from ..service import live
    from ..service.first_index import start_first_index
    from ..service.serving import LiveVault
    from ..service.watching import WatchSettings, watch_vault
    from .ask_cmd import settings_model
    from .index_cmd import run_index
    from .watch_cmd import _line

    if token is not None and (len(token) < 8 or not token.isprintable() or " " in token):
        _usage("--token must be at least 8 printable characters without spaces")
    if not local_host(host) and not token:
        _usage(f"binding {host} serves the vault to the network: give --token (or bind 127.0.0.1)")
    root = vault_root(path or vault)
    other = live.running(root)
    if other is not None:
        _usage(f"a server already serves {root}: http://{other.get('host')}:{other.get('port')}/ (pid {other['pid']})")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    say = (lambda line: None) if quiet else (lambda line: (sys.stderr.write(line + "\n"), sys.stderr.flush()))
    warm = LiveVault(root, threads=threads or 1)
    try:
        server = Server(host, port, warm, token, log=say)
    except OSError as exc:
        _usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    stop = threading.Event()
    watcher = None
    try:
        first = start_first_index(root, _first_index_events(say, warm), model=settings_model(), threads=threads)
        warm.reloaded()  # search files and model loaded before the first question

        def on_reindex(event) -> None:
            if event.error:
                sys.stderr.write(f"kg serve: re-index failed: {event.error}\n")
            elif event.report is not None:
                warm.reloaded()
                say(_line(event) if event.trigger != "start" else "kg serve: watching the vault for changes")

        def index(folder: Path):
            return run_index(folder, quiet=True, model=settings_model(), threads=threads)

        settings = WatchSettings() if debounce is None else WatchSettings(debounce_ms=debounce)
        def watch() -> None:
            first.join()  # the first index's vectors, when they come after its answers, are computed first
            if not stop.is_set():
                watch_vault(root, on_reindex, settings, index=index, stop=stop, on_notice=say)

        watcher = threading.Thread(target=watch, daemon=True, name="kg-watch")
        watcher.start()
        bound_host, bound_port = server.server_address[:2]
        live.register(root, host, bound_port, token)
        address = f"http://{'[' + bound_host + ']' if ':' in bound_host else bound_host}:{bound_port}/"
        sys.stdout.write(f"kg serve: {address} serving {root} (Ctrl-C to stop)\n")
        sys.stdout.flush()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        say("kg serve: stopped")
    finally:
        stop.set()
        live.unregister(root)
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=10)  # an index run in progress ends (or rolls back) before we close
        warm.close()
    raise typer.Exit(0)


def _first_index_events(say, warm):
    """What ``kg serve`` says of its first index, and the warm vault reloaded when it ends."""
    from ..service.first_index import FirstIndexEvents
    from ..service.reports import answerable_now

    def answerable(report) -> None:
        say(f"kg serve: {answerable_now(report)}")

    def done(report) -> None:
        say(f"kg serve: {report.notes} notes indexed ({report.parsed} parsed) in {report.seconds:.2f} s")
        warm.reloaded()

    return FirstIndexEvents(waiting=lambda exc: say(f"kg serve: waiting: {exc}"), answerable=answerable, done=done,
                            failed=lambda exc: sys.stderr.write(f"kg serve: indexing failed: {exc}\n"))
