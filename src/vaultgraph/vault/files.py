"""Finding a vault and listing its files the way Obsidian sees them."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import VaultNotFound
from ..layout import KG, kg_dir

NOTE_SUFFIXES = (".md",)
IGNORED_DIRS = frozenset({".obsidian", ".trash", KG, ".git", "node_modules"})


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


class Refused(Exception):
    """A vault file that is not read, with the one-line reason ``kg status`` shows and the note's status."""

    def __init__(self, reason: str, status: str = "skipped"):
        super().__init__(reason)
        self.reason, self.status = reason, status


_MAX_LINKS = 40  # symlinks followed while opening one path, as the kernel's limit
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def open_in_vault(root: str | os.PathLike, rel: str, flags: int = os.O_RDONLY) -> int:
    """A descriptor of the vault file ``rel`` (vault-relative, POSIX separators), reached without ever leaving
    the vault, whatever is swapped in meanwhile.

    Each folder is opened relative to the descriptor of the one before it, and the kernel never follows a
    symlink (``O_NOFOLLOW``): a symlink met on the way is read here and its target walked the same way —
    a folder's ``..`` is the folder walked before it, never above the vault's root; an absolute target counts
    only inside the vault. So a note replaced by a symlink to a file outside the vault between the listing
    and the read is refused, never opened. Raises ``Refused`` for a path leading outside, ``OSError`` as
    ``open`` does (ELOOP past 40 symlinks)."""
    root = os.fspath(root)
    stack = [os.open(root, os.O_RDONLY | _DIRECTORY)]  # descriptors of the folders walked, the vault first
    todo = [p for p in reversed(rel.split("/")) if p not in ("", ".")]
    links = 0
    try:
        while todo:
            name = todo.pop()
            if name == "..":
                if len(stack) == 1:
                    raise Refused("symlink points outside the vault (not followed)")
                os.close(stack.pop())
                continue
            last = not todo
            try:
                fd = os.open(name, (flags if last else os.O_RDONLY | _DIRECTORY) | _NOFOLLOW, dir_fd=stack[-1])
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                try:
                    target = os.readlink(name, dir_fd=stack[-1])
                except OSError:
                    raise exc from None  # not a symlink: a file where a folder was expected
                links += 1
                if links > _MAX_LINKS:
                    raise OSError(errno.ELOOP, "symlink loop", rel) from None
                if os.path.isabs(target):  # only inside the vault: walked again from its root
                    inside = _vault_relative(root, target)
                    if inside is None:
                        raise Refused("symlink points outside the vault (not followed)") from None
                    while len(stack) > 1:
                        os.close(stack.pop())
                    target = inside
                todo += [p for p in reversed(target.split("/")) if p not in ("", ".")]
                continue
            if last:
                return fd
            stack.append(fd)
        raise IsADirectoryError(errno.EISDIR, "is the vault itself", rel)
    finally:
        for fd in stack:
            os.close(fd)


def _vault_relative(root: str, target: str) -> str | None:
    """``target`` (absolute) as a path relative to the vault, None when it is outside. Only a hint for the
    walk, which checks every component again."""
    real_root, real = os.path.realpath(root), os.path.realpath(target)
    if real == real_root:
        return ""
    if not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(real, real_root).replace(os.sep, "/")


def read_vault_file(root: str | os.PathLike, rel: str, max_bytes: int) -> bytes:
    """The bytes of vault file ``rel``, opened once (``open_in_vault``) and checked on that descriptor: a
    regular file (a FIFO swapped in cannot hang the run: ``O_NONBLOCK``), at most ``max_bytes``, on the
    vault's own file system, not changed while it was read. Anything else raises ``Refused``."""
    fd = open_in_vault(root, rel, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with open(fd, "rb") as handle:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise Refused("not a regular file")
        if before.st_size > max_bytes:
            raise Refused(f"too large to index ({before.st_size / 2**20:.0f} MiB)")
        if before.st_dev != os.stat(root).st_dev:
            raise Refused("on another file system than the vault (not followed)")
        data = handle.read(max_bytes + 1)
        after = os.fstat(fd)
    if len(data) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise Refused("changed while being read (read again on the next run)", "retry")
    return data


def is_vault(root: Path) -> bool:
    """A folder ``kg`` may index on its own: an Obsidian vault (``.obsidian/``) or one indexed before (``.kg/``)."""
    return (root / ".obsidian").is_dir() or kg_dir(root).is_dir()


def bundled_demo_vault() -> Path:
    """The demo vault, as a folder ``kg`` may write ``.kg/`` into: the checkout's own ``vault/``; an installed
    package's copy (in site-packages, maybe read-only and shared) is copied once to the user's cache
    (``$XDG_CACHE_HOME/vaultgraph/demo-vault``) and used there."""
    import shutil

    from .. import __version__
    from ..resources import demo_vault_dir, is_packaged

    shipped = demo_vault_dir()
    if not shipped.is_dir() or not is_packaged():
        return shipped
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vaultgraph" / "demo-vault"
    stamp = cache / ".kg-demo-version"
    if not (stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == __version__):
        if cache.exists():
            shutil.rmtree(cache)
        shutil.copytree(shipped, cache, ignore=shutil.ignore_patterns(KG))
        stamp.write_text(__version__ + "\n", encoding="utf-8")
    return cache


def find_vault(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """``--vault``, else ``KG_VAULT``, else the vault enclosing ``cwd``, else the bundled demo vault. An empty
    path and the root of the file system are refused (they would mean the working folder, or everything)."""
    for candidate, origin in ((explicit, "--vault"), (os.environ.get("KG_VAULT") or None, "KG_VAULT")):
        if candidate is None:
            continue
        if not str(candidate).strip():
            raise VaultNotFound(f"{origin}: an empty path names no vault (use . for the working folder)")
        path = Path(candidate).expanduser()
        if not path.is_dir():
            raise VaultNotFound(f"{origin}: {path} is not a folder")
        path = path.resolve()
        if path == Path(path.anchor):
            raise VaultNotFound(f"{origin}: {path} is the root of the file system, not a vault")
        return path
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    demo = bundled_demo_vault()
    if demo.is_dir():
        return demo
    raise VaultNotFound("no vault: pass --vault, set KG_VAULT, or run inside a folder holding .obsidian/")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


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
                else:  # a FIFO, a socket, a device: never opened (reading a FIFO waits for a writer)
                    skipped.append(Skipped(path, f"not a regular file ({_kind(entry.stat().st_mode)}): not read"))
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    skipped.append(Skipped(path, "symlink loop (not followed)"))
                else:
                    skipped.append(Skipped(path, f"cannot read: {exc.strerror or exc}"))

    walk(root, "")
    return Listing(root, tuple(files), tuple(skipped))
