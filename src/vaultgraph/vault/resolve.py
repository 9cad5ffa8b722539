"""Link resolution as Obsidian does it.

For a link target ``t`` written in note ``src``, in this order:

1. ``[[#heading]]`` (empty target) is the note itself;
2. ``t`` as a vault-relative path, with or without ``.md`` (case-insensitive);
3. ``t`` relative to ``src``'s folder (``./x``, ``../x``; never outside the vault);
4. ``t`` as the tail of a path (``folder/note`` matches ``a/folder/note.md``);
5. ``t`` as a file name anywhere in the vault, case-insensitive;
6. ``t`` as a frontmatter alias of a note.

Where several files match, the shortest path wins, then the alphabetically first. Attachments
(non-Markdown files) resolve by their full name with extension. Anything else stays unresolved,
which is normal in a research vault.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field

from ..model import Link, ParsedNote, ResolvedLink


def _rank(paths: list[str]) -> str:
    return min(paths, key=lambda p: (len(p), p))


@dataclass
class NameIndex:
    by_path: dict[str, str] = field(default_factory=dict)  # lower path (with and without .md) → path
    by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_alias: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, paths: list[str], aliases: dict[str, tuple[str, ...]] | None = None) -> "NameIndex":
        index = cls()
        for path in paths:
            index.add(path, (aliases or {}).get(path, ()))
        return index

    def add(self, path: str, aliases: tuple[str, ...] = ()) -> None:
        lower = path.lower()
        name = posixpath.basename(lower)
        self.by_path[lower] = path
        self.by_name[name].append(path)
        if lower.endswith(".md"):
            self.by_path.setdefault(lower[:-3], path)
            self.by_name[name[:-3]].append(path)
        for alias in aliases:
            self.by_alias[alias.lower()].append(path)

    def resolve(self, source: str, target: str) -> tuple[str | None, str]:
        t = target.strip().replace("\\", "/")
        if not t:
            return source, "self"
        lower = t.lower()
        if lower.startswith("/"):
            lower = lower.lstrip("/")
        elif lower.startswith(("./", "../")) or "/../" in lower:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(source.lower()), lower))
            if joined.startswith("../") or joined == "..":
                return None, "unresolved"  # outside the vault: never followed
            hit = self._exact(joined)
            return (hit, "relative") if hit else (None, "unresolved")
        hit = self._exact(lower)
        if hit:
            return hit, "path"
        folder = posixpath.dirname(source.lower())
        if folder:
            hit = self._exact(posixpath.join(folder, lower))
            if hit:
                return hit, "relative"
        name = posixpath.basename(lower)
        candidates = self.by_name.get(name) or self.by_name.get(name[:-3] if name.endswith(".md") else name, [])
        if "/" in lower and candidates:
            tails = [p for p in candidates if _tail_matches(p.lower(), lower)]
            if tails:
                return _rank(tails), "path"
            candidates = []
        if candidates:
            return _rank(candidates), "name"
        aliased = self.by_alias.get(lower)
        if aliased:
            return _rank(aliased), "alias"
        return None, "unresolved"

    def _exact(self, lower: str) -> str | None:
        return self.by_path.get(lower) or self.by_path.get(lower + ".md")


def _tail_matches(path: str, tail: str) -> bool:
    stem = path[:-3] if path.endswith(".md") else path
    return any(p == tail or p.endswith("/" + tail) for p in (path, stem))


def resolve_note(index: NameIndex, note: ParsedNote) -> list[ResolvedLink]:
    return [resolve_link(index, note.path, link) for link in note.links]


def resolve_link(index: NameIndex, source: str, link: Link) -> ResolvedLink:
    target, how = index.resolve(source, link.target)
    return ResolvedLink(source, link, target, how)
