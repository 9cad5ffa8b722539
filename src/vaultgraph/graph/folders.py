"""The store folders under ``VAULT/.kg/``: a full local rebuild bulk-loads a new one (``graph-N``) that the index
names only once it commits; readers keep the folder named before, and the writer deletes the others at its next
run. Standard library only: a ``kg index`` with nothing to do collects them too (``service/unchanged.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..layout import graph_dirs


def collect_garbage(root: Path, keep: set[str]) -> None:
    """Delete store folders the index no longer names (only the writer calls this, under its lock)."""
    for path in graph_dirs(root):
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


__all__ = ["collect_garbage"]
