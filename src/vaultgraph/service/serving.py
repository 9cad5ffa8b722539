"""What ``kg serve`` answers with: one warm vault (the index, the search files and the model loaded
once; reasoning reads the index per question) and one function per API route, each returning exactly what the CLI prints with ``--json``.

The HTTP layer (``vaultgraph.server``) only parses requests and writes these dicts. Every input is checked
here: lengths, counts, and paths, which must name a note of the index and are opened inside the vault
without following a symlink out (``vault.files.read_vault_file``, as the indexer opens notes).
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import BadRequest, NoteNotFound
from .asking import DEFAULT_TOP, Searcher

MAX_QUESTION = 1_000  # characters of a question, a search, a concept or a note name
MAX_METHODS = 6  # methods compared at once
MAX_TOP = 100
MAX_SPARQL = 20_000  # characters of a SPARQL query
CONTEXT_LINES = 6  # lines shown before and after cited lines


@dataclass(frozen=True)
class SparqlLimits:
    """A web request's SPARQL runs under tighter limits than ``kg sparql`` (``graph.sparql.Limits``)."""

    seconds: float = 10.0
    rows: int = 10_000
    memory: int = 512 * 2**20


def text_arg(value: str | None, name: str, limit: int = MAX_QUESTION) -> str:
    """A required text parameter, whitespace collapsed, at most ``limit`` characters."""
    text = " ".join((value or "").split())
    if not text:
        raise BadRequest(f"the parameter {name!r} is missing or empty")
    if len(text) > limit or "\x00" in text:
        raise BadRequest(f"the parameter {name!r} is longer than {limit} characters")
    return text


def top_arg(value: str | None, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        top = int(value)
    except ValueError:
        raise BadRequest(f"top must be a whole number, not {value[:20]!r}") from None
    if not 1 <= top <= MAX_TOP:
        raise BadRequest(f"top must be between 1 and {MAX_TOP}")
    return top


def vault_path(value: str | None) -> str:
    """A vault-relative note path as a citation gives it: no absolute path, no ``..``, no hidden folder."""
    path = text_arg(value, "path")
    pure = PurePosixPath(path)
    if pure.is_absolute() or "\\" in path or any(p in ("..", ".") or p.startswith(".") for p in pure.parts):
        raise BadRequest(f"{path[:80]!r} is not a path inside the vault")
    return str(pure)


class LiveVault:
    """A vault kept warm for many requests. A question at a time uses the searcher (one SQLite connection);
    ``reloaded()`` loads the index a re-index committed, so the next question does not pay for it."""

    def __init__(self, root: Path, threads: int | None = 1):
        self.root = Path(root).resolve()
        self.threads = threads
        self._lock = threading.Lock()  # the searcher: one question at a time
        self._reason_lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._db_id: tuple[int, int] | None = None

    # --- keeping warm ------------------------------------------------------------------------------

    def _db_identity(self) -> tuple[int, int] | None:
        from ..layout import index_db as db_path

        try:
            st = os.stat(db_path(self.root))
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def _current(self) -> Searcher:
        """The searcher, reopened when the index file was replaced (a rebuild starts a new file)."""
        identity = self._db_identity()
        if self._searcher is None or identity != self._db_id:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._searcher = Searcher(self.root, threads=self.threads)
            self._db_id = identity
        return self._searcher

    def reloaded(self) -> None:
        """Load what the last index run committed (search files, model), before anyone asks."""
        with self._lock:
            self._current().refresh()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    # --- the routes -------------------------------------------------------------------------------

    def answer(self, question: str, top: int = DEFAULT_TOP, plain: bool = False):
        """The ``query.answer.Result`` of a question (``plain``: ``kg search``)."""
        with self._lock:
            return self._current().ask(question, top, plain=plain)

    def ask(self, question: str, top: int = DEFAULT_TOP) -> dict:
        return self.answer(question, top).to_dict()

    def search(self, query: str, top: int = 10) -> dict:
        return self.answer(query, top, plain=True).to_dict()

    def why(self, a: str, b: str, k: int = 3) -> dict:
        from . import reasoning

        with self._reason_lock:
            return reasoning.why(self.root, a, b, k=k).to_dict()  # read from the index: nothing to keep loaded

    def compare(self, methods: list[str], limit: str | None = None) -> dict:
        """``limit``: statements a cell, a whole number or "all" (``kg compare --limit N`` / ``--all``)."""
        from . import reasoning

        if not 2 <= len(methods) <= MAX_METHODS:
            raise BadRequest(f"compare takes 2 to {MAX_METHODS} methods (m=A&m=B…)")
        everything = limit == "all"
        if not everything and limit not in (None, "") and not (limit.isdigit() and 1 <= int(limit) <= 1000):
            raise BadRequest("limit must be a whole number from 1 to 1000, or all")
        cells = None if everything or limit in (None, "") else int(limit)
        with self._reason_lock:
            return reasoning.compare(self.root, methods, limit=cells, everything=everything).to_dict()

    def show(self, note: str) -> dict:
        from .reading import show_note, shown_dict

        return shown_dict(show_note(self.root, note))

    def links(self) -> list[dict]:
        from .reading import all_links

        return all_links(self.root)

    def status(self) -> dict:
        from .reading import status

        return status(self.root)

    def sparql(self, query: str, limits: SparqlLimits = SparqlLimits()) -> bytes:
        """SPARQL results JSON, as ``kg sparql --json`` prints it (read-only; SERVICE and updates refused)."""
        from .querying import check_sparql, run_sparql, sparql_limits

        check_sparql(query)
        buffer = io.BytesIO()
        run_sparql(self.root, query, buffer, as_json=True,
                   limits=sparql_limits(limits.seconds, limits.rows, limits.memory))
        return buffer.getvalue()

    def context(self, path: str, line: int, end_line: int | None = None, around: int = CONTEXT_LINES) -> dict:
        """The cited lines of an indexed note with ``around`` lines either side: the web page's citation view.
        Only a note of the index is read, opened inside the vault as the indexer opens it."""
        from ..store import reader
        from ..vault.files import Refused, read_vault_file
        from ..citations import obsidian_url
        from .indexing import MAX_NOTE_BYTES

        path = vault_path(path)
        with reader(self.root) as conn:
            known = conn.execute("SELECT 1 FROM notes WHERE path = ? AND status != 'skipped'", (path,)).fetchone()
        if known is None:
            raise NoteNotFound(f"no indexed note {path!r} in this vault")
        try:
            data = read_vault_file(self.root, path, MAX_NOTE_BYTES)
        except Refused as refused:
            raise BadRequest(f"{path}: {refused.reason}") from None
        except OSError as exc:
            raise NoteNotFound(f"{path}: cannot read: {exc.strerror or exc}") from None
        lines = data.decode("utf-8", "replace").split("\n")
        end_line = max(line, end_line or line)
        if not 1 <= line <= len(lines):
            raise BadRequest(f"{path} has {len(lines)} lines, not {line}")
        first, last = max(1, line - around), min(len(lines), end_line + around)
        return {"path": path, "line": line, "end_line": min(end_line, len(lines)), "first": first,
                "lines": [{"line": n, "text": lines[n - 1].rstrip("\r")} for n in range(first, last + 1)],
                "obsidian": obsidian_url(self.root, path)}

    def info(self) -> dict:
        """What the page needs to know of the vault: its name and how Obsidian opens its files."""
        from ..citations import obsidian_prefix

        return {"vault": self.root.name, "obsidian_prefix": obsidian_prefix(self.root)}


__all__ = ["BadRequest", "LiveVault", "SparqlLimits", "text_arg", "top_arg", "vault_path"]
