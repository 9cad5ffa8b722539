"""One service layer behind the CLI (and any future API): plain functions over a vault root."""

from .indexing import IndexReport, index_vault
from .reading import all_links, load_notes, show_note, shown_dict, status

__all__ = ["IndexReport", "all_links", "index_vault", "load_notes", "show_note", "shown_dict", "status"]
