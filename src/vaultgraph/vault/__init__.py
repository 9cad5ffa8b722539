"""Stage 1 of the pipeline: finding the vault, listing its files, resolving links like Obsidian.

    files.py       find_vault, scan: the vault's notes and attachments, opened without following links out
    resolve.py     NameIndex: a link target → the vault path Obsidian would open
"""

from ..runtime import lazy_attributes
from .files import Listing, Skipped, VaultFile, find_vault, is_vault, scan

# resolve.py imports the records (model.py: 10 ms): a command that only lists the vault does without them
__getattr__ = lazy_attributes(__name__, {name: ".resolve" for name in ("NameIndex", "resolve_link", "resolve_note")},
                              globals())

__all__ = ["Listing", "NameIndex", "Skipped", "VaultFile", "find_vault", "is_vault", "resolve_link", "resolve_note", "scan"]
