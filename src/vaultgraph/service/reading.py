"""Read-side services behind ``kg show``, ``kg links`` and ``kg status``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import NoteNotFound, VaultgraphError
from ..model import ParsedNote, ResolvedLink, from_dict, to_dict
from ..store import exists, reader
from ..vault import NameIndex, resolve_note, scan


@dataclass(frozen=True)
class ShownNote:
    note: ParsedNote
    links: tuple[ResolvedLink, ...]
    terms: tuple = ()  # index.terms.Term: what the note names or defines (from the index, when there is one)


def _name_index(root: Path) -> NameIndex:
    """Every file of the vault, with aliases from the index when there is one."""
    aliases: dict[str, tuple[str, ...]] = {}
    if exists(root):
        with reader(root) as conn:
            aliases = {r["path"]: tuple(json.loads(r["aliases"])) for r in conn.execute("SELECT path, aliases FROM notes")}
    listing = scan(root)
    return NameIndex.build([f.path for f in listing.files], aliases)


def show_note(root: Path, name: str) -> ShownNote:
    """Parse one note, found the way a ``[[name]]`` link would find it (or by path)."""
    index = _name_index(root)
    path, _ = index.resolve("", name)
    if path is None or not path.lower().endswith(".md"):
        raise NoteNotFound(f"no note named {name!r} in {root}")
    from ..vault.files import Refused, read_vault_file
    from .indexing import MAX_NOTE_BYTES

    try:  # opened as the indexer opens it: never through a symlink out of the vault
        data = read_vault_file(root, path, MAX_NOTE_BYTES)
    except Refused as refused:
        raise VaultgraphError(f"{path}: {refused.reason}") from None
    except OSError as exc:
        raise VaultgraphError(f"{path}: cannot read: {exc.strerror or exc}") from None
    from ..markdown import parse_bytes  # markdown-it: not for the listing a one-off kg ask makes (stale_notice)

    note = parse_bytes(data, path)
    terms = ()
    if exists(root):
        from ..index.terms import terms_of

        with reader(root) as conn:
            terms = tuple(terms_of(conn, path))
    return ShownNote(note, tuple(resolve_note(index, note)), terms)


def all_links(root: Path) -> list[dict]:
    with reader(root) as conn:
        rows = conn.execute("SELECT * FROM links ORDER BY source, line, rowid").fetchall()
    return [_link_row(r) for r in rows]


def _link_row(r) -> dict:
    """A link as Obsidian reads it: ``target`` is the file it opens, None when it opens none. A link that
    matches only a frontmatter alias (``[[Other name]]``) is unresolved in Obsidian, which follows aliases
    only through ``[[note|alias]]``: reported with ``how: "alias"`` and the note in ``alias_of``."""
    alias = r["how"] == "alias"
    target = None if alias else r["target"]
    return {"source": r["source"], "target": target, "raw": r["raw"], "line": r["line"],
            "embed": bool(r["embed"]), "heading": r["heading"], "block": r["block"], "alias": r["alias"],
            "kind": r["kind"], "context": r["context"], "resolved": target is not None, "how": r["how"],
            "alias_of": r["target"] if alias else None}


def load_notes(root: Path) -> list[ParsedNote]:
    """Every parsed note kept in the index (without text)."""
    with reader(root) as conn:
        rows = conn.execute("SELECT record FROM notes WHERE record IS NOT NULL ORDER BY path").fetchall()
    return [from_dict(ParsedNote, json.loads(r["record"])) for r in rows]


def status(root: Path) -> dict:
    listing = scan(root)
    on_disk = {f.path: f for f in listing.notes}
    with reader(root) as conn:
        rows = conn.execute("SELECT path, size, mtime_ns, status, reason, repairs FROM notes ORDER BY path").fetchall()
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}
        passages = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        link_rows = conn.execute(
            "SELECT source, line, raw, how, target FROM links WHERE target IS NULL OR how = 'alias' "
            "ORDER BY source, line").fetchall()
        total_links = conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
        skipped_files = conn.execute("SELECT path, reason FROM skipped ORDER BY path").fetchall()
        from .vocabulary import summary

        terms = summary(conn)
    changed = _changes(on_disk, {r["path"]: (r["size"], r["mtime_ns"]) for r in rows})
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    indexed_at = float(meta.get("indexed_at", "0") or 0)
    return {
        "vault": str(root),
        "notes": len(rows),
        "parsed": by_status.get("ok", 0) + by_status.get("warning", 0),
        "with_warnings": by_status.get("warning", 0),
        "skipped": by_status.get("skipped", 0) + len(skipped_files),
        "failed": by_status.get("failed", 0),
        "problems": [{"path": r["path"], "status": r["status"], "reason": r["reason"]}
                     for r in rows if r["status"] != "ok"]
                    + [{"path": r["path"], "status": "skipped", "reason": r["reason"]} for r in skipped_files],
        "repairs": [{"path": r["path"], **rep} for r in rows for rep in json.loads(r["repairs"])],
        "links": total_links,
        "unresolved_links": [{"source": r["source"], "line": r["line"], "raw": r["raw"],
                              "alias_of": r["target"] if r["how"] == "alias" else None} for r in link_rows],
        **changed,
        "indexed_at": indexed_at or None,
        "seconds_since_index": round(time.time() - indexed_at, 1) if indexed_at else None,
        "terms": terms,
        "search": {"passages": passages, "model": meta.get("model_spec") if meta.get("model_id") else None,
                   "model_id": meta.get("model_id") or None, "generation": meta.get("search_generation"),
                   "base": meta.get("search_base"), "vectors_pending": int(meta.get("vectors_pending") or 0),
                   "notes_pending": int(meta.get("notes_pending") or 0)},
    }


def _changes(on_disk: dict, stored: dict[str, tuple[int, int]]) -> dict[str, list[str]]:
    """``stored``: each indexed note's (size, mtime_ns)."""
    return {"stale": sorted(p for p, f in on_disk.items() if p in stored and stored[p] != (f.size, f.mtime_ns)),
            "new": sorted(p for p in on_disk if p not in stored),
            "deleted": sorted(p for p in stored if p not in on_disk)}


def changes(root: Path) -> dict[str, list[str]]:
    """Notes changed, new and deleted on disk since the last index."""
    on_disk = {f.path: f for f in scan(root).notes}
    with reader(root) as conn:
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: 10,000 sqlite3.Row read by name took 25 ms
        stored = {path: (size, mtime) for path, size, mtime in cursor.execute("SELECT path, size, mtime_ns FROM notes")}
    return _changes(on_disk, stored)


def stale_notice(root: Path) -> str | None:
    """What a one-off question says when notes changed, appeared or went since the last index."""
    changed = changes(root)
    if not any(changed.values()):
        return None
    return (f"the index is behind the vault ({len(changed['stale'])} changed, {len(changed['new'])} new, "
            f"{len(changed['deleted'])} deleted notes): run with --refresh or `kg index`")


def shown_dict(shown: ShownNote) -> dict:
    data = shown.note.to_dict()
    by_line = {(r.link.line, r.link.raw): r for r in shown.links}
    for link in data["links"]:
        r = by_line.get((link["line"], link["raw"]))
        alias = r is not None and r.how == "alias"  # unresolved in Obsidian (see _link_row)
        link["resolved"] = r.target if r and not alias else None
        link["how"] = r.how if r else "unresolved"
        link["alias_of"] = r.target if alias else None
    data["terms"] = [t.to_dict() for t in shown.terms]
    return data


__all__ = ["ShownNote", "all_links", "changes", "load_notes", "show_note", "shown_dict", "stale_notice", "status",
           "to_dict"]
