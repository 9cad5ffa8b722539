"""Stage 1 of the pipeline: finding the vault, listing its files, resolving links like Obsidian.

    files.py       find_vault, scan: the vault's notes and attachments, opened without following links out
    resolve.py     NameIndex: a link target → the vault path Obsidian would open
"""

from .files import Listing, Skipped, VaultFile, find_vault, is_vault, scan
from .resolve import NameIndex, resolve_link, resolve_note

__all__ = ["Listing", "NameIndex", "Skipped", "VaultFile", "find_vault", "is_vault", "resolve_link", "resolve_note", "scan"]
