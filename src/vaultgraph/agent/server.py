"""``kg mcp``: the vault as a Model Context Protocol server over stdio (the official ``mcp`` SDK, 2.x).

Tools (typed inputs; each result is the CLI's ``--json`` for the same command, as structured content and as
its JSON text): ask, search, why, compare, show, status. Resources: every note of the vault as
``kg://note/PATH`` (text/markdown), listed afresh on each request and read only inside the vault.

A failure is a tool error (or a resource error) carrying the one-line message the CLI would print; no
traceback reaches the client, and stdout carries nothing but the protocol.
"""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from ..errors import VaultgraphError
from .tools import NOTE_URI, VaultTools, note_uri

INSTRUCTIONS = (
    "Answers from the user's Obsidian research vault (notes on LLM methods, Russian and English). Every answer "
    "cites path:line and heading of the note it comes from; quote those citations. `ask` answers a question by "
    "role (problem, risks, solutions, evidence, cost …); `search` is plain search; `why A B` gives cited chains "
    "from concept A to B; `compare` puts methods side by side; `show` is one note's parsed record; notes are also "
    f"resources ({NOTE_URI}PATH).")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, VaultgraphError):
        text = str(exc)
    elif isinstance(exc, sqlite3.DatabaseError):
        text = f"the index cannot be read ({exc}): run `kg index`"
    elif isinstance(exc, OSError):
        text = f"{exc.filename or 'kg'}: {exc.strerror or exc}"
    else:
        text = f"internal error: {type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def _tool_error(message: str):
    """A tool's failure as the client sees it: ``isError`` and the one line (the SDK's own wrapping would
    prefix it with "Error executing tool NAME:" and log the failure)."""
    from mcp_types import CallToolResult, TextContent

    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def _as_tool(fn):
    """A tool whose every failure is a tool error with one line."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the client as one line
            return _tool_error(_one_line(exc))

    return run


def _invalid(exc) -> str:
    """Arguments that do not match a tool's schema, in one line: "top: Input should be less than or equal to 100"."""
    parts = [f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()]
    return "invalid arguments: " + "; ".join(parts)


Top = Annotated[int, Field(ge=1, le=100, description="How many answers to return.")]


def build(tools: VaultTools):
    """The MCP server over ``tools``."""
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from mcp_types import Resource, ToolAnnotations
    from pydantic import ValidationError

    class VaultServer(MCPServer):
        async def call_tool(self, name, arguments, context=None):
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                if isinstance(exc.__cause__, ValidationError):
                    return _tool_error(_invalid(exc.__cause__))
                raise

        async def list_resources(self) -> list[Resource]:
            import anyio.to_thread

            paths = await anyio.to_thread.run_sync(tools.notes)
            return [Resource(uri=note_uri(p), name=p, title=Path(p).stem, mime_type="text/markdown") for p in paths]

        async def read_resource(self, uri, context=None):
            import anyio.to_thread

            try:
                text = await anyio.to_thread.run_sync(tools.read_note, str(uri))
            except Exception as exc:  # noqa: BLE001 - one line to the client
                raise ResourceError(_one_line(exc)) from None
            return [ReadResourceContents(content=text, mime_type="text/markdown")]

    server = VaultServer(name="vaultgraph", title=f"vaultgraph: {tools.root.name}", instructions=INSTRUCTIONS,
                         log_level="WARNING")
    import logging

    for handler in logging.getLogger().handlers:  # the SDK's stderr handler: libraries' debug chatter stays out
        handler.setLevel(logging.WARNING)  # (bm25s sets its own logger to DEBUG)
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    def ask(question: Annotated[str, Field(description='A question, e.g. "risks of LoRA on CoT" or '
                                                       '«как бороться с катастрофическим забыванием».')],
            top: Top = 8) -> dict[str, Any]:
        """Answer a question from the vault: passages grouped by role (problem, consequences, risks, solutions,
        evidence, cost, definition …), each citing path, line and heading; comparison questions add the
        side-by-side table, "why/how does X affect Y" questions the cited paths. The JSON of `kg ask --json`."""
        return tools.ask(question, top)

    def search(query: Annotated[str, Field(description="Words or a sentence to search for.")],
               top: Top = 10) -> dict[str, Any]:
        """Plain semantic + lexical search over the vault's passages, with the same citations as ask."""
        return tools.search(query, top)

    def why(a: Annotated[str, Field(description="A concept: method, capability or phenomenon (RU or EN).")],
            b: Annotated[str, Field(description="The concept it should connect to, e.g. CoT.")],
            paths: Annotated[int, Field(ge=1, le=20, description="How many paths.")] = 3) -> dict[str, Any]:
        """The shortest chains of cited claims from concept A to concept B, best first (`kg why --json`)."""
        return tools.why(a, b, paths)

    def compare(methods: Annotated[list[str], Field(min_length=2, max_length=8,
                                                    description="Two or more methods (any label, RU or EN).")],
                limit: Annotated[int | None, Field(ge=1, le=1000, description="Statements per cell (default 6).")] = None,
                all: Annotated[bool, Field(description="Every statement of every cell (thousands for a hub method "  # noqa: A002
                                                       "of a big vault).")] = False) -> dict[str, Any]:
        """What the vault says about each method side by side: effects by capability, costs, risks,
        mitigations, sources; every statement cited; each cell's best statements first and, in `totals`, how
        many it holds (`kg compare --json`)."""
        return tools.compare(methods, limit, all)

    def show(note: Annotated[str, Field(description="Note name as in a [[link]], alias, or vault-relative path.")]
             ) -> dict[str, Any]:
        """The parsed record of one note: frontmatter, sections with line ranges, links with their targets,
        tags, footnotes, callouts, tables, repairs (`kg show --json`)."""
        return tools.show(note)

    def status() -> dict[str, Any]:
        """What is indexed, stale, skipped or failed (and why), repairs and unresolved links (`kg status --json`)."""
        return tools.status()

    for fn in (ask, search, why, compare, show, status):
        server.add_tool(_as_tool(fn), name=fn.__name__, annotations=read_only)
    return server


def serve(root: Path, model: str | None = None, threads: int | None = None) -> None:
    """Run the server on stdin/stdout until the client closes it. The index is built first when missing; the
    searcher is opened once and loaded on a thread while the client connects, so questions find it warm."""
    import threading

    tools = VaultTools(root, model=model, threads=threads)
    server = build(tools)
    tools.searcher()  # the index, built when missing; a vault that cannot be read fails here, in one line

    def warm():
        try:
            tools.warm()
        except Exception:  # noqa: BLE001 - the first question reports it
            pass

    threading.Thread(target=warm, name="kg-warm", daemon=True).start()
    try:
        server.run("stdio")
    finally:
        tools.close()


__all__ = ["build", "serve"]
