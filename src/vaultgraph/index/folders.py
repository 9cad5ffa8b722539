"""Search files written whole or not at all: filled under a temporary name, synced, renamed into place;
and search files read knowing that a failure to read one means it is damaged."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..layout import kg_dir, vault_of


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


def arrays_files(path: Path) -> tuple[Path, Path]:
    """The two files ``save_arrays`` writes for ``path``: the .npz and its names beside it."""
    return path, path.with_suffix(".json")


def save_arrays(path: Path, arrays: dict, names: dict) -> None:
    """``path`` (.npz) and its ``names`` (.json beside it), each written under a temporary name, synced and
    renamed into place, the .npz last: a reader that finds the .npz finds its names."""
    import numpy as np

    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    side = arrays_files(path)[1]
    tmp_side = side.with_name(side.name + ".tmp")
    tmp_side.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    for p in (tmp, tmp_side):
        with open(p, "rb") as handle:
            os.fsync(handle.fileno())
    os.replace(tmp_side, side)
    os.replace(tmp, path)


def save_array(path: Path, array) -> None:
    """One array as ``path`` (.npy), written under a temporary name, synced and renamed into place."""
    import numpy as np

    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_arrays(path: Path) -> tuple[dict, dict] | None:
    """What ``save_arrays`` wrote (None when ``path`` does not exist)."""
    import numpy as np

    if not path.exists():
        return None
    names = json.loads(arrays_files(path)[1].read_text(encoding="utf-8"))
    with np.load(path) as data:
        return {name: data[name] for name in data.files}, names


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Load a search file: a failure to read it (missing, cut short, not what it should be) raises
    ``IndexDamaged`` naming it, which ``kg index`` repairs, instead of the loader's own error."""
    import zipfile

    try:
        yield
    except (OSError, ValueError, KeyError, EOFError, RuntimeError, zipfile.BadZipFile) as exc:
        from ..store.sqlite import damaged

        root = vault_of(path)
        detail = " ".join(str(exc).split())[:200]
        raise damaged(root, f"{path.relative_to(kg_dir(root)) if root != path.parent else path.name}: "
                            f"{type(exc).__name__}: {detail}") from None
