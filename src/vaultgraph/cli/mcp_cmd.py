"""``kg mcp``: the vault as a Model Context Protocol server over stdio, for AI agents (``vaultgraph.agent``)."""

from __future__ import annotations

from .app import VaultOption, app, vault_root
from .ask_cmd import ThreadsOption, settings_model


@app.command()
def mcp(vault: VaultOption = None, threads: ThreadsOption = None) -> None:
    """Serve the vault to an AI agent (Claude Desktop, an IDE) over stdio: tools ask, search, why, compare,
    show and status with the CLI's JSON as results, and the notes as resources. Started by the agent."""
    try:
        from ..agent.server import serve
    except ImportError as exc:  # the `mcp` package is a dependency of kg; a broken install names it
        from ..errors import VaultgraphError

        raise VaultgraphError(f"kg mcp needs the `mcp` package ({exc}): pip install 'mcp>=2'") from None
    serve(vault_root(vault), model=settings_model(), threads=threads)
