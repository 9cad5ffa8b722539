"""``kg watch``: keep a vault's index up to date while the vault is being edited.

The vault is indexed once at start, then every change that can matter (a note, an attachment, a folder)
is collected until the vault has been quiet for the debounce time, and one incremental ``index_vault``
run takes them all: a burst of saves costs one re-index. Noise never triggers a run: ``.obsidian/``,
``.trash/``, ``.kg/``, hidden files and editors' temporary files (``note.md.tmp``, ``note.md~``, ``4913``
…), so Obsidian's way of saving (a temporary file renamed over the note) counts once, as the note.

A note caught half-written is reported by ``parse_file`` as "retry" and is read again after the next
debounce; while another ``kg index`` holds the writer lock, the run waits and tries again.

This module is a library (no printing, no settings): :func:`watch_vault` calls back with one
:class:`Reindex` per run and stops on ``stop.set()`` or ``KeyboardInterrupt``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import IndexBusy
from ..vault.files import IGNORED_DIRS, NOTE_SUFFIXES
from .indexing import index_vault
from .reports import IndexReport, report_dict

DEFAULT_DEBOUNCE_MS = 300
TICK_MS = 20

# Editors' and sync tools' scratch files: never notes, never attachments.
_TEMP = re.compile(
    r"(~|\.(tmp|temp|swp|swo|swx|swpx|bak|part|crdownload|kate-swp|crswap|sb-[0-9a-f]+-\w+))$"  # suffixes
    r"|\.md\.[^/]+$"            # note.md.tmp-1234, note.md.orig: a copy being written, not the note
    r"|^(4913|#.*#|~\$.*)$",    # vim's write test, emacs autosave, Office lock files
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WatchSettings:
    debounce_ms: int = DEFAULT_DEBOUNCE_MS  # quiet time after the last change before re-indexing
    max_wait_ms: int = 5_000  # a vault that never stays quiet is still re-indexed this often
    busy_retry_ms: int = 250  # how often to retry while another process holds the writer lock
    max_retries: int = 5  # re-reads of a note that keeps changing while it is read (new saves reset this)
    error_backoff_ms: tuple[int, int] = (1_000, 30_000)  # after a failed run: first and longest wait


@dataclass(frozen=True)
class Reindex:
    """One run: why it ran, what had changed, and the index report."""

    trigger: str  # "start" | "change" | "retry"
    changes: tuple[tuple[str, str], ...]  # (change, vault-relative path), change: added | modified | deleted | retry
    report: IndexReport | None
    retry: tuple[str, ...] = ()  # notes that changed while being read: read again after the debounce
    waited_busy: float = 0.0  # seconds spent waiting for another writer
    error: str | None = None  # the run failed (it is tried again later)

    def to_dict(self) -> dict:
        r = self.report
        return {
            "event": "reindex", "trigger": self.trigger,
            "changes": [{"change": c, "path": p} for c, p in self.changes],
            "notes": r.notes if r else None, "parsed": r.parsed if r else 0, "removed": r.removed if r else 0,
            "unresolved": r.unresolved if r else None, "seconds": round(r.seconds, 3) if r else None,
            "retry": list(self.retry), "waited_busy": round(self.waited_busy, 3), "error": self.error,
            "report": report_dict(r) if r else None,
        }


def relevant(root: Path | str, path: str) -> str | None:
    """The vault-relative path of a changed ``path`` when it can change the index, else None."""
    try:
        rel = PurePosixPath(Path(path).relative_to(root).as_posix())
    except ValueError:
        return None
    if not rel.parts or rel.parts == (".",):
        return None
    if any(part.startswith(".") or part in IGNORED_DIRS for part in rel.parts):
        return None
    real = os.path.realpath(os.path.dirname(path))  # the watcher follows symlinks out of the vault: kg does not
    if real != str(root) and not real.startswith(str(root).rstrip(os.sep) + os.sep):
        return None
    if not rel.name.lower().endswith(NOTE_SUFFIXES) and _TEMP.search(rel.name):
        return None
    return str(rel)


_CHANGE_NAMES = {1: "added", 2: "modified", 3: "deleted"}


def _merge(old: str | None, new: str) -> str:
    if old is None or old == "retry":
        return new
    if old == "deleted" and new == "added":
        return "modified"  # deleted and written again: a save
    if old == "added" and new != "deleted":
        return "added"
    return new


@dataclass
class Debouncer:
    """Collects changes until none has come for ``quiet`` seconds (or ``max_wait`` since the first)."""

    quiet: float
    max_wait: float
    pending: dict[str, str] = field(default_factory=dict)
    first: float | None = None
    last: float | None = None
    hold_until: float = 0.0  # after a failed run, not before this time

    def add(self, changes: Iterable[tuple[str, str]], now: float) -> None:
        added = False
        for change, path in changes:
            self.pending[path] = _merge(self.pending.get(path), change)
            added = True
        if added:
            self.first = now if self.first is None else self.first
            self.last = now

    def due(self, now: float) -> bool:
        if not self.pending or now < self.hold_until:
            return False
        return now - self.last >= self.quiet or now - self.first >= self.max_wait

    def take(self) -> dict[str, str]:
        batch, self.pending, self.first, self.last = self.pending, {}, None, None
        return batch


class Watcher:
    """The decisions of ``kg watch`` without the file system events: feed it changes and the time, and
    it runs ``index`` (any ``root -> IndexReport``) when a batch is due. Used by :func:`watch_vault`."""

    def __init__(self, root: Path, on_reindex: Callable[[Reindex], None], settings: WatchSettings = WatchSettings(),
                 index: Callable[[Path], IndexReport] | None = None, stop: threading.Event | None = None,
                 on_notice: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None):
        self.root = root.resolve()
        self.settings = settings
        self.on_reindex = on_reindex
        self.on_notice = on_notice or (lambda message: None)
        self.index = index or index_vault
        self.stop = stop or threading.Event()
        self.clock = clock
        self.sleep = sleep or self.stop.wait
        self.debouncer = Debouncer(settings.debounce_ms / 1000, settings.max_wait_ms / 1000)
        self.retries: dict[str, int] = {}
        self.failures = 0

    def feed(self, raw: Iterable[tuple[int, str]]) -> int:
        """Add raw watchfiles changes ``(Change, absolute path)``; returns how many were relevant."""
        changes = []
        for change, path in raw:
            rel = relevant(self.root, path)
            if rel is not None:
                changes.append((_CHANGE_NAMES.get(int(change), "modified"), rel))
                self.retries.pop(rel, None)  # a fresh save: the note gets its retries back
        self.debouncer.add(changes, self.clock())
        return len(changes)

    def tick(self) -> Reindex | None:
        """Run the index if a batch is due."""
        if not self.debouncer.due(self.clock()):
            return None
        batch = self.debouncer.take()
        trigger = "retry" if all(c == "retry" for c in batch.values()) else "change"
        return self.run(trigger, tuple((c, p) for p, c in sorted(batch.items())))

    def run(self, trigger: str, changes: tuple[tuple[str, str], ...] = ()) -> Reindex | None:
        """One index run now (waiting while another process holds the writer lock)."""
        waited, started = 0.0, self.clock()
        while True:
            try:
                report = self.index(self.root)
                break
            except IndexBusy as exc:
                if waited == 0.0:
                    self.on_notice(f"waiting: {exc}")
                self.sleep(self.settings.busy_retry_ms / 1000)
                waited = self.clock() - started
                if self.stop.is_set():
                    return None
            except Exception as exc:  # noqa: BLE001 - a live watcher reports a failed run and tries again later
                return self._failed(trigger, changes, f"{type(exc).__name__}: {exc}", waited)
        self.failures = 0
        retry = self._retry(report)
        event = Reindex(trigger, changes, report, retry, waited)
        self.on_reindex(event)
        return event

    def _failed(self, trigger: str, changes: tuple[tuple[str, str], ...], error: str, waited: float) -> Reindex:
        first, longest = self.settings.error_backoff_ms
        backoff = min(longest, first * 2 ** self.failures) / 1000
        self.failures += 1
        self.debouncer.add(((c, p) for c, p in changes), self.clock())
        if not changes:
            self.debouncer.add([("retry", ".")], self.clock())  # "." the whole vault: the start run failed
        self.debouncer.hold_until = self.clock() + backoff
        event = Reindex(trigger, changes, None, (), waited, f"{error} (trying again in {backoff:.0f} s)")
        self.on_reindex(event)
        return event

    def _retry(self, report: IndexReport) -> tuple[str, ...]:
        from ..errors import IndexMissing
        from ..store import reader

        try:
            with reader(Path(report.root)) as conn:
                paths = [row["path"] for row in conn.execute("SELECT path FROM notes WHERE status = 'retry'")]
        except IndexMissing:
            paths = []
        again = []
        for path in paths:
            self.retries[path] = self.retries.get(path, 0) + 1
            if self.retries[path] <= self.settings.max_retries:
                again.append(path)
        self.debouncer.add([("retry", p) for p in again], self.clock())
        return tuple(again)


def watch_vault(root: Path, on_reindex: Callable[[Reindex], None], settings: WatchSettings = WatchSettings(),
                index: Callable[[Path], IndexReport] | None = None, stop: threading.Event | None = None,
                on_notice: Callable[[str], None] | None = None) -> None:
    """Index ``root`` once, then again after every (debounced) change, until ``stop`` is set.

    ``KeyboardInterrupt`` (Ctrl-C, or SIGTERM turned into it by the caller) propagates: the index
    transaction in progress, if any, is rolled back and the index stays as the last run left it.
    """
    import watchfiles

    watcher = Watcher(root, on_reindex, settings, index, stop, on_notice)
    # the debounce is checked every TICK_MS: a coarser tick started a run up to a tick after it was due (100 ms
    # of a 300 ms debounce: ~50 ms of every edit's wait); the loop costs microseconds a tick
    tick_ms = min(TICK_MS, max(settings.debounce_ms, 1))
    events = watchfiles.watch(watcher.root, watch_filter=None, debounce=max(settings.debounce_ms, 50), step=20,
                              rust_timeout=tick_ms, yield_on_timeout=True, stop_event=watcher.stop,
                              ignore_permission_denied=True)
    # The watcher starts on the first step, before the first index: nothing saved meanwhile is missed.
    for raw in events:
        watcher.feed(raw)
        break
    else:
        return
    watcher.run("start")
    for raw in events:
        watcher.feed(raw)
        watcher.tick()
