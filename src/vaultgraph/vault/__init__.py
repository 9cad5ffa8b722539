"""Stage 1 of the pipeline: finding the vault, listing its files, resolving links like Obsidian."""

from .files import Listing, Skipped, VaultFile, find_vault, is_vault, scan
from .resolve import NameIndex, resolve_link, resolve_note

__all__ = ["Listing", "NameIndex", "Skipped", "VaultFile", "find_vault", "is_vault", "resolve_link", "resolve_note", "scan"]
