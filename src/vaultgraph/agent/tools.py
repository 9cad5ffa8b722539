"""What an agent may ask of one vault, warm: the CLI's ``--json`` results from one long-lived process.

``VaultTools`` keeps one ``service.asking.Searcher`` for the life of the process (the model, BM25, FAISS and
the concepts load once; a newer index generation written by ``kg index`` or ``kg watch`` is picked up by the
searcher itself), and the reasoning reads the same index (``reason.load``). Every method returns exactly what
the matching ``kg … --json`` prints. Calls are serialised: the MCP SDK runs each tool on a worker thread and a
searcher reads one snapshot at a time.

Nothing here knows about MCP (``agent.server`` does), so the same object can serve any other front end.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import quote, unquote

from ..errors import IndexMissing, NoteNotFound, VaultgraphError

NOTE_URI = "kg://note/"  # a note as an MCP resource: this prefix and its vault-relative path, percent-encoded


class VaultTools:
    def __init__(self, root: Path, model: str | None = None, threads: int | None = None):
        self.root = Path(root).resolve()
        self.model, self.threads = model, threads
        self._lock = threading.Lock()
        self._searcher = None

    # --- the index ------------------------------------------------------------------------------

    def ensure_index(self) -> None:
        """Index the vault the first time (as every CLI command does); quietly: stdout is the protocol."""
        from ..service.opening import indexed

        if not indexed(self.root):
            self._index(self.root)

    def _index(self, root: Path):
        from ..service import index_vault

        return index_vault(root, model=self.model, threads=self.threads)

    def searcher(self):
        """The process's one searcher, opened on first use; a missing or damaged index is rebuilt once."""
        if self._searcher is None:
            from ..service.opening import open_searcher

            self._searcher = open_searcher(self.root, self._index, threads=self.threads, refuse=False)
        return self._searcher

    def warm(self) -> None:
        """Load what a question needs (search files, concepts, the model) before the first one arrives: a plain
        search for one word does it. Run on a thread at start; a question asked meanwhile waits for it."""
        with self._lock:
            self.searcher().candidates("kg", plain=True)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # --- the tools: each returns what `kg <command> --json` prints --------------------------------

    def ask(self, question: str, top: int = 8) -> dict:
        return self._question(question, _top(top), plain=False)

    def search(self, query: str, top: int = 10) -> dict:
        return self._question(query, _top(top), plain=True)

    def _question(self, text: str, top: int, plain: bool) -> dict:
        """One question; an index found missing or damaged meanwhile (deleted, rebuilt by another kg) is opened
        again once, rebuilt first when it is still not there."""
        with self._lock:
            try:
                return self.searcher().ask(text, top, plain=plain).to_dict()
            except IndexMissing:
                self.close()
                return self.searcher().ask(text, top, plain=plain).to_dict()

    def why(self, a: str, b: str, paths: int = 3) -> dict:
        from ..service import reasoning

        if not 1 <= paths <= 20:
            raise VaultgraphError("paths must be between 1 and 20")
        with self._lock:
            self.ensure_index()
            return reasoning.why(self.root, a, b, k=paths).to_dict()

    def compare(self, methods: list[str], limit: int | None = None, everything: bool = False) -> dict:
        from ..service import reasoning

        if len(methods) < 2:
            raise VaultgraphError("compare needs two or more methods")
        with self._lock:
            self.ensure_index()
            return reasoning.compare(self.root, methods, limit=limit, everything=everything).to_dict()

    def show(self, note: str) -> dict:
        from ..service import show_note, shown_dict

        with self._lock:
            return shown_dict(show_note(self.root, note))

    def status(self) -> dict:
        from ..service import status

        with self._lock:
            self.ensure_index()
            return status(self.root)

    # --- notes as resources ---------------------------------------------------------------------

    def notes(self) -> list[str]:
        """Vault-relative paths of the vault's notes, as ``kg index`` lists them."""
        from ..vault import scan

        return sorted(f.path for f in scan(self.root).notes)

    def read_note(self, uri: str) -> str:
        """The text of the note a ``kg://note/…`` URI names: only a note of this vault, opened without
        following a symlink out of it (``vault.files.read_vault_file``)."""
        from ..repair import decode
        from ..service.indexing import MAX_NOTE_BYTES
        from ..vault.files import Refused, read_vault_file

        path = note_path(uri)
        try:
            data = read_vault_file(self.root, path, MAX_NOTE_BYTES)
        except Refused as exc:
            raise NoteNotFound(f"{path}: {exc.reason}") from None
        except FileNotFoundError:
            raise NoteNotFound(f"{path}: no such note in the vault") from None
        except OSError as exc:
            raise NoteNotFound(f"{path}: {exc.strerror or exc}") from None
        return decode(data).text  # the text the index read: line numbers as cited


def note_uri(path: str) -> str:
    return NOTE_URI + quote(path, safe="/")


def note_path(uri: str) -> str:
    """The vault-relative path of a note URI; anything that is not a plain path to a ``.md`` note inside the
    vault (``..``, an absolute path, a NUL, another scheme) is refused."""
    if not uri.startswith(NOTE_URI):
        raise NoteNotFound(f"{uri}: not a note of this vault (expected {NOTE_URI}PATH)")
    path = unquote(uri[len(NOTE_URI):])
    parts = path.split("/")
    if not path or "\x00" in path or "\\" in path or any(p in ("", ".", "..") for p in parts) \
            or not path.lower().endswith(".md"):
        raise NoteNotFound(f"{uri}: not a note of this vault")
    return path


def _top(top: int) -> int:
    if not 1 <= top <= 100:
        raise VaultgraphError("top must be between 1 and 100")
    return top


__all__ = ["NOTE_URI", "VaultTools", "note_path", "note_uri"]
