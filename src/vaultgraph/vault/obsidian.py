"""``obsidian://`` links: what opens a vault file in Obsidian (the CLI's citations, the web page's)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote


def obsidian_prefix(root: Path) -> str:
    """The link to vault ``root`` up to the file: append the file (no ``.md``) quoted as ``obsidian_url`` does."""
    return f"obsidian://open?vault={quote(Path(root).name, safe='')}&file="


def obsidian_url(root: Path, path: str) -> str:
    file = path[:-3] if path.lower().endswith(".md") else path
    return obsidian_prefix(root) + quote(file, safe="")
