"""vaultgraph: an Obsidian research vault as a queryable knowledge graph.

The public API is small: parse notes, index a vault, read what was indexed.

    from vaultgraph import parse_bytes, index_vault, show_note
"""

from .errors import IndexBusy, IndexMissing, NoteNotFound, VaultgraphError, VaultNotFound
from .markdown import parse_bytes, parse_text
from .model import ParsedNote
from .service import all_links, index_vault, load_notes, show_note, status
from .vault import find_vault, scan

__version__ = "0.1.0"

__all__ = [
    "IndexBusy", "IndexMissing", "NoteNotFound", "ParsedNote", "VaultNotFound", "VaultgraphError",
    "all_links", "find_vault", "index_vault", "load_notes", "parse_bytes", "parse_text", "scan",
    "show_note", "status",
]
