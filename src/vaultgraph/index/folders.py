"""Search folders written whole or not at all: filled under a temporary name, synced, renamed into place;
and search files read knowing that a failure to read one means it is damaged."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(folder: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``folder``; when the block ends without an error, sync its
    files and rename it to ``folder`` (a reader never opens a half-written one)."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    yield tmp
    for path in tmp.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, folder)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Load a search file: a failure to read it (missing, cut short, not what it should be) raises
    ``IndexDamaged`` naming it, which ``kg index`` repairs, instead of the loader's own error."""
    import zipfile

    try:
        yield
    except (OSError, ValueError, KeyError, EOFError, RuntimeError, zipfile.BadZipFile) as exc:
        from ..store.sqlite import damaged

        root = next((p.parent for p in path.parents if p.name == ".kg"), path.parent)
        detail = " ".join(str(exc).split())[:200]
        raise damaged(root, f"{path.relative_to(root / '.kg') if root != path.parent else path.name}: "
                            f"{type(exc).__name__}: {detail}") from None
