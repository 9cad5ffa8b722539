"""``kg index``: list the vault, parse what changed, resolve every link, commit in one transaction."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from ..errors import IndexDamaged
from ..limits import PARSE_BYTES
from ..markdown import parse_bytes
from ..model import ParsedNote, to_dict
from ..runtime import no_gc as _no_gc, release_memory
from ..versions import PARSER_VERSION
from ..vocabulary import METHOD_TYPES
from ..store import writer
from ..store.sqlite import dumps, get_meta, release_inherited, select_in, set_meta
from ..vault import NameIndex, scan
from ..vault.files import Refused, VaultFile, read_vault_file
from ..graph import journal
from ..index.build import DEFER_ABOVE, refresh_search
from .graphing import note_type, update_graph
from .reports import Clock, IndexReport, link_counts, note_counts

MAX_NOTE_BYTES = 16 * 1024 * 1024
PARALLEL_THRESHOLD = 64

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Slice:
    """How much of a large vault a first index commits before the rest (``index_vault``): up to ``notes`` notes
    and ``size`` bytes, the most recently modified first (what the user works on), at least one. A note counts
    the bytes that are parsed of it (``limits.PARSE_BYTES`` at most): a 10 MB note costs what its first MiB does,
    and a vault of a few notes, one of them huge, is not sliced (the rest's bulk graph build would extract the
    slice's notes a second time)."""

    notes: int
    size: int

    def split(self, files: list[VaultFile]) -> tuple[list[VaultFile], list[VaultFile]]:
        """(the slice, the rest) of ``files``; the slice is all of them when they fit."""
        if len(files) <= self.notes and sum(_parsed_bytes(f) for f in files) <= self.size:
            return files, []
        recent = sorted(files, key=lambda f: (-f.mtime_ns, f.path))
        taken = total = 0
        for f in recent:
            if taken and (taken >= self.notes or total + _parsed_bytes(f) > self.size):
                break
            taken, total = taken + 1, total + _parsed_bytes(f)
        return recent[:taken], recent[taken:]


def _parsed_bytes(f: VaultFile) -> int:
    return min(f.size, PARSE_BYTES)


# ~20 s on two cores (a 10,000-note generated vault answered from its first 1,000 after 18.4 s, its whole first
# index 6.6% longer than one without a slice): the vault answers within a minute whatever its size
FIRST_SLICE = Slice(notes=1_000, size=6 * 2**20)


class _Known(NamedTuple):
    """What the index holds of a note, to tell whether it changed."""

    sha256: str
    size: int
    mtime_ns: int
    status: str
    aliases: str
    ntype: str | None


@dataclass(frozen=True)
class Outcome:
    path: str
    note: ParsedNote | None
    status: str  # "ok" | "warning" | "failed" | "skipped"
    reason: str | None
    sha256: str = ""


def parse_file(root: str, file: VaultFile) -> Outcome:
    """Read and parse one note; any failure becomes a reason, never an exception.

    A note that changes while it is read (an editor writing it in place) is not parsed half-written:
    its status is "retry", and the next run reads it again (its size or mtime no longer match the listing's).
    """
    try:
        if file.size > MAX_NOTE_BYTES:
            return Outcome(file.path, None, "skipped", f"too large to index ({file.size / 2**20:.0f} MiB)")
        data = read_vault_file(root, file.path, MAX_NOTE_BYTES)  # opened once, never through a symlink out
        kind = _binary_kind(data[:8192])
        if kind:
            return Outcome(file.path, None, "skipped", kind)
        note = parse_bytes(data, file.path)
    except Refused as refused:
        return Outcome(file.path, None, refused.status, refused.reason)
    except FileNotFoundError:
        return Outcome(file.path, None, "skipped", "deleted while indexing")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Outcome(file.path, None, "skipped", "symlink loop (not followed)")
        return Outcome(file.path, None, "failed", f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the vault
        return Outcome(file.path, None, "failed", f"parser error: {type(exc).__name__}: {exc}")
    reason = "; ".join(str(w) for w in note.warnings) or None
    return Outcome(file.path, replace(note, text=""), "warning" if reason else "ok", reason, note.sha256)


_CONTROL = bytes(set(range(32)) - set(b"\t\n\r\f\v\x1b"))


def _binary_kind(head: bytes) -> str | None:
    """Why the start of a file says it is not a text note (None for text)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text, not UTF-8: save it as UTF-8 to index it"
    if b"\x00" in head:
        return "binary file, not a text note"
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls >= 8 and controls * 100 > len(head):  # text has next to no control characters; random bytes ~10%
        return "binary file, not a text note"
    return None


def _parse_batch(root: str, files: list[VaultFile]) -> list[Outcome]:
    with _no_gc():
        return [parse_file(root, f) for f in files]


def parse_many(root: Path, files: list[VaultFile], progress: Progress | None = None,
               workers: int | None = None) -> list[Outcome]:
    total = len(files)
    workers = workers or min(2, os.cpu_count() or 1)
    if total < PARALLEL_THRESHOLD or workers < 2:
        outcomes = []
        with _no_gc():
            for i, f in enumerate(files, 1):
                outcomes.append(parse_file(str(root), f))
                if progress:
                    progress("parse", i, total)
        return outcomes
    size = max(16, min(256, total // (workers * 8) or 1))
    batches = [files[i:i + size] for i in range(0, total, size)]
    outcomes = []
    with ProcessPoolExecutor(max_workers=workers, initializer=release_inherited) as pool:
        for batch in pool.map(_parse_batch, [str(root)] * len(batches), batches):
            outcomes.extend(batch)
            if progress:
                progress("parse", len(outcomes), total)
    return outcomes


def index_vault(root: Path, progress: Progress | None = None, workers: int | None = None,
                endpoint: str | None = None, model: str | None = None, threads: int | None = None,
                rebuild: bool = False, defer_vectors_above: int | None = DEFER_ABOVE,
                on_answerable: Callable[[IndexReport], None] | None = None,
                first_slice: Slice | None = FIRST_SLICE) -> IndexReport:
    """Parse what changed, resolve every link, and bring the graph (local, or ``endpoint``) and the
    search index (passages, BM25, vectors of ``model``: default the model the index already uses) up to date.
    ``rebuild``: every note parsed, extracted and indexed again (in one transaction: readers keep the old
    index until it commits). An index file found damaged is deleted and the index rebuilt from the notes.

    A new search base missing more than ``defer_vectors_above`` vectors (None: never) is committed first without
    them, so the vault answers from words and the graph at once (``on_answerable`` is then called with that
    run's report); the vectors are computed next, in a second transaction. Stopped in between, the index
    answers as it is, and the next run computes what is missing.

    A first index of a vault larger than ``first_slice`` (None: never sliced) commits a first slice of its notes
    alone, the most recently modified ones, so that the vault answers within a minute whatever its size; the rest
    of the notes follow in the next transaction (with one bulk build of the graph), then the vectors. Questions
    asked meanwhile say how many notes are not indexed yet (``meta["notes_pending"]``)."""
    args = (root, progress, workers, endpoint, model, threads)
    first = _index_or_rebuild(*args, rebuild, defer_vectors_above, first_slice)
    sliced = bool(first.pending_notes)  # the vault answered from the slice: said once, then the rest
    if sliced:
        if on_answerable is not None:
            on_answerable(first)
        release_memory()
        first = _joined(first, _index_or_rebuild(*args, False, defer_vectors_above), "rest.")
    if not (first.search and first.search.pending):
        return first
    if on_answerable is not None and not sliced:
        on_answerable(first)
    release_memory()  # the first transaction's records: the vectors' run starts from what it needs
    return _joined(first, _index_or_rebuild(*args, False, None), "vectors.")


def _joined(earlier: IndexReport, later: IndexReport, prefix: str) -> IndexReport:
    """The report of two transactions of one run: ``later``'s counts (the index as it now is), the notes parsed by
    either, the graph of the one that extracted notes, and the stages of ``later`` under ``prefix``."""
    graph = later.graph if later.graph and later.graph.extracted else earlier.graph
    return replace(later, parsed=earlier.parsed + later.parsed, reused=max(0, later.reused - earlier.parsed),
                   reason=earlier.reason or later.reason, graph=graph, seconds=earlier.seconds + later.seconds,
                   answerable_after=earlier.answerable_after or earlier.seconds,
                   stages={**(earlier.stages or {}), **{prefix + k: v for k, v in (later.stages or {}).items()}})


def _index_or_rebuild(root: Path, progress, workers, endpoint, model, threads, rebuild: bool,
                      defer: int | None, first_slice: Slice | None = None) -> IndexReport:
    args = (root, progress, workers, endpoint, model, threads)
    try:
        return _index(*args, rebuild=rebuild, defer=defer, first_slice=first_slice)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            raise  # locked, full disk, … : not damage, nothing to delete
        why = f"index.sqlite: {exc}"
    except IndexDamaged as exc:
        why = exc.why
    return _index(*args, rebuild=True, fresh=f"the index was damaged ({why}): it was rebuilt from the notes",
                  defer=defer)


def _index(root: Path, progress, workers, endpoint, model, threads, rebuild: bool,
           fresh: str | None = None, defer: int | None = None, first_slice: Slice | None = None) -> IndexReport:
    started = time.perf_counter()
    clock = Clock()
    root = root.resolve()
    listing = scan(root)
    notes = {f.path: f for f in listing.files if f.is_note}
    attachments = [f for f in listing.files if not f.is_note]
    # the graph's changes are journaled in the transaction and reach the store once it commits (graph/journal.py)
    with writer(root, after_commit=lambda committed: journal.sync(root, committed), fresh=bool(fresh)) as conn:
        meta = get_meta(conn)
        same_parser = meta.get("parser_version") == PARSER_VERSION and not rebuild
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: 10,000 sqlite3.Row read by name cost 0.1 s
        known = {r[0]: _Known._make(r[1:]) for r in cursor.execute(
            "SELECT path, sha256, size, mtime_ns, status, aliases, ntype FROM notes")}
        files_before = {row["path"] for row in conn.execute("SELECT path FROM files")}
        todo = [f for p, f in notes.items()
                if not (same_parser and p in known and known[p].size == f.size
                        and known[p].mtime_ns == f.mtime_ns and known[p].status not in ("failed", "retry"))]
        todo = _drop_unchanged_bytes(root, conn, todo, known if same_parser else {})
        removed = [p for p in known if p not in notes]
        rest = int(meta.get("notes_pending") or 0) > 0  # the notes a first slice left: one bulk build of the graph
        later: list[VaultFile] = []
        if first_slice is not None and not known and not rebuild:
            todo, later = first_slice.split(todo)
            defer = 0 if later else defer  # the slice answers from words and the graph: its vectors come last
        clock.lap("list")
        outcomes = parse_many(root, todo, progress, workers)
        clock.lap("parse")

        changed = [o.path for o in outcomes] + removed
        conn.executemany("DELETE FROM notes WHERE path = ?", [(p,) for p in changed])
        conn.executemany("DELETE FROM links WHERE source = ?", [(p,) for p in changed])
        names_changed = bool(removed) or files_before != {f.path for f in attachments}
        for o in outcomes:
            f = notes[o.path]
            record = dumps(o.note.to_dict()) if o.note else None
            aliases = dumps(list(o.note.aliases)) if o.note else "[]"
            names_changed = names_changed or o.path not in known or known[o.path].aliases != aliases
            repairs = dumps(to_dict(o.note.repairs)) if o.note else "[]"
            conn.execute("INSERT INTO notes (path, sha256, size, mtime_ns, status, reason, aliases, ntype, repairs, "
                         "record) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (o.path, o.sha256, f.size, f.mtime_ns, o.status, o.reason, aliases, note_type(o.note),
                          repairs, record))
            if o.note:
                conn.executemany(
                    "INSERT INTO links VALUES (?,?,?,?,?,?,?,?,?,?,NULL,'new')",
                    [(o.path, link.line, link.raw, link.target, link.heading, link.block, link.alias,
                      int(link.embed), link.kind, link.context) for link in o.note.links])
        conn.execute("DELETE FROM files")
        conn.executemany("INSERT INTO files VALUES (?,?,?)", [(f.path, f.size, f.mtime_ns) for f in attachments])
        conn.execute("DELETE FROM skipped")
        conn.executemany("INSERT INTO skipped VALUES (?,?)", [(s.path, s.reason) for s in listing.skipped])
        everything = names_changed or not same_parser or "names_key" not in meta
        if everything:
            meta["names_key"] = os.urandom(8).hex()  # random: a rolled-back run's key can never come back
        names, affected = _resolve(conn, everything, [o.path for o in outcomes if o.note],
                                   (str(root), meta["names_key"]))
        links, unresolved = link_counts(conn)
        clock.lap("resolve")
        # the concepts the vault defines come from notes of a method type: unless one was or is such a note,
        # the graph signature's concepts digest stands (reading every definition costs 0.2 s at 10k notes)
        concepts_same = same_parser and not any(
            (known[p].ntype or "").lower() in METHOD_TYPES for p in changed if p in known
        ) and not any(note_type(o.note) in METHOD_TYPES for o in outcomes)
        graph = update_graph(root, conn, names, {o.path: o.note for o in outcomes}, removed, meta, progress, endpoint,
                             affected=affected - set(changed), concepts_same=concepts_same, workers=workers,
                             force="a rebuild was asked" if rebuild else "the rest of a first index" if rest else None)
        clock.lap("graph")
        parsed = len(outcomes)
        repaired = sum(1 for o in outcomes if o.note and o.note.repairs)
        warnings = sum(len(o.note.warnings) for o in outcomes if o.note)
        del outcomes  # every parsed note: the search's texts and tokens reuse their memory (its peak at 10,000
        # notes 1,640 -> 1,542 MiB)
        search = refresh_search(root, conn, meta, changed=bool(graph.extracted or removed or parsed),
                                model=model, progress=progress, threads=threads, force=rebuild, defer_above=defer)
        clock.lap("search")
        meta.update({"parser_version": PARSER_VERSION, "indexed_at": str(time.time()),
                     "notes_pending": str(len(later))})
        set_meta(conn, meta)
        counts, limited = note_counts(conn)
    clock.lap("commit")
    stages = {**clock.laps, **{f"search.{k}": round(v, 4) for k, v in search.seconds.items()}}
    reason = fresh or ("a rebuild was asked: every note is parsed, extracted and indexed again" if rebuild else None)
    if reason is None and not same_parser and known:
        reason = "the parser changed: every note is parsed again"
    return IndexReport(str(root), len(notes), parsed, len(notes) - parsed - len(later), len(removed),
                       counts.get("failed", 0), counts.get("skipped", 0) + len(listing.skipped), len(attachments),
                       links, unresolved, repaired, warnings, time.perf_counter() - started, graph, search, stages,
                       reason, limited, pending_notes=len(later))


def _drop_unchanged_bytes(root: Path, conn, todo: list[VaultFile], known) -> list[VaultFile]:
    """Notes whose size or mtime changed but whose bytes did not (a touch, a checkout, a sync) keep their
    record: only the new mtime is stored."""
    import hashlib

    out, same = [], []
    for f in todo:
        row = known.get(f.path)
        if row is None or row.status not in ("ok", "warning") or f.size > MAX_NOTE_BYTES:
            out.append(f)
            continue
        try:
            digest = hashlib.sha256(read_vault_file(root, f.path, MAX_NOTE_BYTES)).hexdigest()
        except (OSError, Refused):
            out.append(f)  # parse_file reads it again and reports what is wrong
            continue
        (same if digest == row.sha256 else out).append(f)
    conn.executemany("UPDATE notes SET size = ?, mtime_ns = ? WHERE path = ?",
                     [(f.size, f.mtime_ns, f.path) for f in same])
    return out


def _resolve(conn, everything: bool, sources: list[str], key: tuple[str, str]) -> tuple[_LazyNames, set[str]]:
    """Resolve the new links (those of ``sources``, the notes parsed this run); when the vault's names
    changed, re-resolve every link, since a new, renamed or removed note can change what links written
    long before resolve to. Returns the name index and the notes whose links now resolve differently."""
    index = _LazyNames(conn, key)
    if everything:
        rows = conn.execute("SELECT rowid, source, target_text, target, how FROM links").fetchall()
    else:  # by source (indexed): scanning 200k links for how = 'new' took 0.1 s at 10,000 notes
        rows = list(select_in(conn, "SELECT rowid, source, target_text, target, how FROM links WHERE how = 'new' "
                                    "AND source IN ({})", sources))
    updates, affected = [], set()
    for row in rows:
        target, how = index.resolve(row["source"], row["target_text"])
        if (target, how) != (row["target"], row["how"]):
            updates.append((target, how, row["rowid"]))
            if row["how"] != "new":
                affected.add(row["source"])
    conn.executemany("UPDATE links SET target = ?, how = ? WHERE rowid = ?", updates)
    return index, affected


_NAMES: dict[str, tuple[str, NameIndex]] = {}  # vault → (names key, its name index), for the next run


class _LazyNames:
    """The vault's name index, built on first use: a run with no link to resolve and no note to extract
    (nothing changed) never pays for it (0.3 s at 10,000 notes). A process that indexes again (``kg watch``,
    a long-lived library user) reuses the index of its last run while the vault's names are the same:
    ``key`` is (vault, names key), and the names key is drawn anew by every run that changes a name."""

    def __init__(self, conn, key: tuple[str, str]):
        self._conn, self._key, self._index = conn, key, None

    def resolve(self, source: str, target: str):
        return self.name_index().resolve(source, target)

    def name_index(self) -> NameIndex:
        if self._index is None:
            vault, names_key = self._key
            cached = _NAMES.get(vault)
            if cached is not None and cached[0] == names_key:
                self._index = cached[1]
            else:
                self._index = self._build()
                _NAMES[vault] = (names_key, self._index)
        return self._index

    def _build(self) -> NameIndex:
        import json

        index = NameIndex()
        for row in self._conn.execute("SELECT path, aliases FROM notes"):
            index.add(row["path"], tuple(json.loads(row["aliases"])))
        for row in self._conn.execute("SELECT path FROM files"):
            index.add(row["path"])
        return index
