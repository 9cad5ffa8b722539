"""Opening a vault for a command: which folder it is, whether it has an index, indexing it first, and the
searcher a question runs on. The CLI, ``kg serve`` and ``kg mcp`` open a vault through these functions.

How to index is the caller's (``index(root)``: the CLI draws a progress bar, the servers index quietly).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import IndexBusy, IndexMissing

Index = Callable[[Path], Any]  # index the vault at a root; returns its IndexReport (None: waited for another)
Say = Callable[[str], None]


def find_vault(given: str | Path | None = None) -> Path:
    """``--vault``, else ``KG_VAULT``, else the vault enclosing the working folder, else the demo vault."""
    from ..vault import find_vault as find

    return find(given)


def indexed(root: Path) -> bool:
    """Whether the vault has an index (``VAULT/.kg/index.sqlite``)."""
    from ..store import exists

    return exists(root)


def refuse_unindexed(root: Path) -> None:
    """A read command never starts indexing a folder that is not a vault (no ``.obsidian/``, no ``.kg/``)."""
    from ..vault import is_vault

    if not is_vault(root):
        raise IndexMissing(f"{root} is not an Obsidian vault (no .obsidian/) and has no index: "
                           f"run `kg index {root}` first")


def ensure_index(root: Path, index: Index) -> Any:
    """Index the vault the first time a command needs it (only a vault); the report, or None when indexed."""
    if indexed(root):
        return None
    refuse_unindexed(root)
    return index(root)


def index_or_wait(root: Path, index: Index, on_wait: Say | None = None) -> Any:
    """Index the vault, or wait for the ``kg`` process indexing it now (two questions asked of a fresh vault at
    once: the second waits for the first one's index instead of failing); None when it waited."""
    from ..store.sqlite import wait_for_writer

    try:
        return index(root)
    except IndexBusy:
        if on_wait is not None:
            on_wait("another `kg` process is indexing this vault: waiting for it")
        wait_for_writer(root)
        return None


def open_searcher(root: Path, index: Index, threads: int | None = None, refresh: bool = False,
                  refuse: bool = True, say: Say | None = None):
    """A ``Searcher`` over an up-to-date enough index: built when missing (``refuse``: only in a vault),
    refreshed on request; an index found missing or damaged on opening is rebuilt once, and ``say`` is told
    why it was rebuilt."""
    from .asking import Searcher

    if refuse and not indexed(root):
        refuse_unindexed(root)
    if refresh or not indexed(root):
        index(root)
    try:
        return Searcher(root, threads=threads or 1)
    except IndexMissing:  # … or damaged: indexing repairs it, and says why it rebuilt
        report = index(root)
        for why in (report.reason, report.search.reason if report.search else None) if report else ():
            if why and say is not None:
                say(why)
        return Searcher(root, threads=threads or 1)


__all__ = ["ensure_index", "find_vault", "index_or_wait", "indexed", "open_searcher", "refuse_unindexed"]
