"""Finding a vault and listing its files the way Obsidian sees them."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import VaultNotFound

NOTE_SUFFIXES = (".md",)
IGNORED_DIRS = frozenset({".obsidian", ".trash", ".kg", ".git", "node_modules"})


@dataclass(frozen=True)
class VaultFile:
    path: str  # vault-relative, POSIX separators
    size: int
    mtime_ns: int

    @property
    def is_note(self) -> bool:
        return self.path.lower().endswith(NOTE_SUFFIXES)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Listing:
    root: Path
    files: tuple[VaultFile, ...]
    skipped: tuple[Skipped, ...]

    @property
    def notes(self) -> tuple[VaultFile, ...]:
        return tuple(f for f in self.files if f.is_note)


def bundled_demo_vault() -> Path:
    from ..resources import demo_vault_dir

    return demo_vault_dir()


def find_vault(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """``--vault``, else ``KG_VAULT``, else the vault enclosing ``cwd``, else the bundled demo vault."""
    for candidate, origin in ((explicit, "--vault"), (os.environ.get("KG_VAULT") or None, "KG_VAULT")):
        if candidate:
            path = Path(candidate).expanduser()
            if not path.is_dir():
                raise VaultNotFound(f"{origin}: {path} is not a folder")
            return path.resolve()
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    demo = bundled_demo_vault()
    if demo.is_dir():
        return demo
    raise VaultNotFound("no vault: pass --vault, set KG_VAULT, or run inside a folder holding .obsidian/")


def scan(root: Path) -> Listing:
    """Every file of the vault, hidden and tool folders skipped, symlinks kept inside the vault."""
    root = root.resolve()
    files: list[VaultFile] = []
    skipped: list[Skipped] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(folder: Path, rel: str) -> None:
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                skipped.append(Skipped(rel or ".", "symlink loop: folder already visited"))
                return
            seen_dirs.add(key)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(rel or ".", f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            name = entry.name
            path = f"{rel}/{name}" if rel else name
            if name.startswith(".") or name in IGNORED_DIRS:
                continue
            try:
                if entry.is_symlink():
                    target = Path(os.path.realpath(entry.path))
                    if target != root and root not in target.parents:
                        skipped.append(Skipped(path, "symlink points outside the vault (not followed)"))
                        continue
                if entry.is_dir():
                    walk(Path(entry.path), path)
                elif entry.is_file():
                    st = entry.stat()
                    files.append(VaultFile(path, st.st_size, st.st_mtime_ns))
                elif entry.is_symlink():
                    skipped.append(Skipped(path, "symlink to a missing file (not followed)"))
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    skipped.append(Skipped(path, "symlink loop (not followed)"))
                else:
                    skipped.append(Skipped(path, f"cannot read: {exc.strerror or exc}"))

    walk(root, "")
    return Listing(root, tuple(files), tuple(skipped))
