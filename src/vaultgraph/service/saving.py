"""``kg ask --save``: an answer kept in the vault as a note Obsidian renders.

The note has a frontmatter with the question, the date and the intent (and ``kg: answer``, which keeps its
copies of the vault's statements from answering in place of them: ``index.passages.saved_answer``), one
callout per role, and after every statement a wiki-link to the cited note and heading whose alias shows the
line (``[[methods/LoRA#Risks|LoRA:37]]``); the comparison table and the why-paths follow when the answer has
them. A heading is linked only when the cited note (as indexed) has a heading of that name, so every link
opens where it says.

It is the only write into the vault outside ``.kg/``, made only when asked: a new file, created without
following a symlink (each folder is opened ``O_NOFOLLOW`` from the vault's root, the file ``O_EXCL``), inside
the vault, never over an existing note unless ``force``; a refusal raises ``SaveRefused`` with one line.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import stat
from pathlib import Path

from ..citations import where, wikilink
from ..errors import SaveRefused
from ..index.passages import ANSWER_KEY, ANSWER_VALUE
from ..vault.files import IGNORED_DIRS

FOLDER = "Answers"  # where an answer is saved when no path is given
SLUG_CHARS = 80
CELL_ITEMS = 4  # statements kept per cell of a saved comparison table (as `kg compare --markdown`)
CALLOUTS = {"problem": "bug", "consequence": "warning", "risk": "danger", "solution": "success",
            "evidence": "quote", "cost": "info", "definition": "abstract", "comparison": "example",
            "claim": "note", "context": "info"}  # Obsidian's callout types, by answer role
_UNSAFE_HEADING = re.compile(r"[#|\[\]^]")  # characters a [[note#heading]] link cannot carry
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


# --- where ---------------------------------------------------------------------------------------

def default_path(question: str) -> str:
    """``Answers/<slug>.md``: the question's words, lower case, joined by dashes (any script)."""
    words = re.findall(r"\w+", question.lower())
    slug = "-".join(words)[:SLUG_CHARS].strip("-_") or "answer"
    return f"{FOLDER}/{slug}.md"


def target_path(root: Path, path: str | None, question: str, force: bool = False) -> str:
    """The vault-relative path an answer will be written to (``.md`` added), checked: relative, no ``..``, no
    hidden or tool folder, no symlink on the way, and no existing note there unless ``force``."""
    rel = default_path(question) if not path else path.strip()
    if rel.startswith(("/", "\\")) or os.path.isabs(rel) or re.match(r"^[A-Za-z]:", rel):
        raise SaveRefused(f"{path}: an absolute path; give a path inside the vault, e.g. {FOLDER}/note.md")
    parts = rel.replace("\\", "/").split("/")
    if any(p in ("", ".", "..") for p in parts) or "\x00" in rel:
        raise SaveRefused(f"{path}: not a plain path inside the vault (no '..', '.' or empty folders)")
    if any(p.startswith(".") or p in IGNORED_DIRS for p in parts):
        raise SaveRefused(f"{path}: a hidden or tool folder; Obsidian and kg would not see the note there")
    if not parts[-1].lower().endswith(".md"):
        parts[-1] += ".md"
    rel = "/".join(parts)
    _walk(Path(root), parts[:-1], create=False)  # a symlinked folder is refused before the question runs
    if not force and _exists(Path(root), parts):
        raise SaveRefused(f"{rel} already exists in the vault: choose another path or add --force")
    return rel


def _walk(root: Path, folders: list[str], create: bool) -> int | None:
    """A descriptor of the folder ``folders`` below ``root``, every step opened without following a
    symlink; None when a folder is missing and not ``create``d."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    try:
        for i, name in enumerate(folders):
            if create:
                try:
                    os.mkdir(name, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                nxt = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if create:
                    raise
                os.close(fd)
                return None
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    where = "/".join(folders[:i + 1])
                    raise SaveRefused(f"{where}: a symlink or a file, not a folder of the vault (not followed)") \
                        from None
                raise
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


def _exists(root: Path, parts: list[str]) -> bool:
    fd = _walk(root, parts[:-1], create=False)
    if fd is None:
        return False
    try:
        os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


def write_note(root: Path, rel: str, text: str, force: bool = False) -> Path:
    """Write ``text`` to the vault-relative ``rel`` (checked by ``target_path``): a new file, or with ``force``
    a regular file replaced in one step (written beside it, then renamed over it)."""
    parts = rel.split("/")
    fd = _walk(Path(root), parts[:-1], create=True)
    name, data = parts[-1], text.encode("utf-8")
    try:
        try:
            out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=fd)
        except FileExistsError:
            if not force:
                raise SaveRefused(f"{rel} already exists in the vault: choose another path or add --force") from None
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                raise SaveRefused(f"{rel}: not a regular file (a symlink or a folder): not replaced") from None
            temp = f".{name}.kg-{os.getpid()}.tmp"
            out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o644, dir_fd=fd)
            _write_all(out, data)
            os.replace(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
            return Path(root) / rel
        _write_all(out, data)
        return Path(root) / rel
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


# --- what ----------------------------------------------------------------------------------------

def note_headings(root: Path, paths: set[str]) -> dict[str, set[str]]:
    """The section titles of each cited note, as the index parsed it (none for a note whose text kg repaired:
    Obsidian shows it unrepaired, so a link to a repaired heading would not open it)."""
    from ..store import reader

    out: dict[str, set[str]] = {}
    with reader(root) as conn:
        for path in paths:
            row = conn.execute("SELECT record FROM notes WHERE path = ? AND record IS NOT NULL", (path,)).fetchone()
            if row:
                record = json.loads(row["record"])
                # a note kg repaired (mojibake, broken encoding) shows Obsidian other headings than ours
                out[path] = set() if record.get("repairs") else {s["title"] for s in record.get("sections", ())}
    return out


def _citations(result) -> list:
    cites = [c for a in result.answers for c in a.citations]
    if result.comparison is not None:
        cites += [c for row in result.comparison.rows for items in row.cells.values() for i in items
                  for c in i.citations]
    if result.explanation is not None:
        cites += [c for p in result.explanation.paths for s in p.steps for c in s.citations]
    return cites


class _Linker:
    """Wiki-links to cited lines: ``[[path#heading|name:line]]``, the heading only when the note has it."""

    def __init__(self, headings: dict[str, set[str]]):
        self.headings = headings

    def __call__(self, citation, table: bool = False) -> str:
        if not citation.path.lower().endswith(".md"):  # the concept scheme (schema/concepts.ttl): no note
            return f"({where(citation.path, citation.line, citation.end_line)})"
        heading = (citation.heading or "").split(" › ")[-1].strip()
        known = heading and not _UNSAFE_HEADING.search(heading) and heading in self.headings.get(citation.path, ())
        # a link inside a table escapes its alias bar
        return wikilink(citation.path, citation.line, citation.end_line, heading if known else None, in_table=table)

    def table(self, citation) -> str:
        return self(citation, table=True)


def answer_markdown(result, headings: dict[str, set[str]], titles: dict[str, str] | None = None,
                    today: dt.date | None = None) -> str:
    """The note for ``result`` (a ``query.answer.Result``); ``headings``: each cited note's section titles
    (``note_headings``); ``titles``: how each role is called (default ``render.answers.ROLE_TITLES``)."""
    import yaml

    from ..render.answers import grouped, title
    from ..render.comparison import comparison_markdown, trimmed

    link = _Linker(headings)
    front = {ANSWER_KEY: ANSWER_VALUE, "question": result.question, "date": today or dt.date.today(),
             "intent": result.intent}
    if result.entities:
        front["concepts"] = [label for _, label in result.entities]
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"), "---",
             f"# {_flat(result.question)}", ""]
    if not result.answers:
        lines += ["Nothing in the vault answers this.", ""]
    for role, answers in grouped(result):
        lines.append(f"> [!{CALLOUTS.get(role, 'note')}] {title(role, titles)}")
        for a in answers:
            marks = [f"inherited from {a.inherited_from}"] if a.inherited_from else []
            if a.author == "assistant":
                marks.append("written by the assistant")
            mark = f" *({'; '.join(marks)})*" if marks else ""
            cites = ", ".join(link(c) for c in a.citations)
            lines.append(f"> - {_flat(a.text)}{mark} — {cites}")
            sources = [s.strip("[]") for s in a.sources if s.strip("[]")]
            if sources:
                lines.append(f">   sources: {_flat(', '.join(sources[:6]))}")
        lines.append("")
    if result.comparison is not None:
        table = trimmed(result.comparison, CELL_ITEMS)
        command = "kg compare " + " ".join(_quoted(m) for m in table.methods)
        lines += ["## Comparison", "", comparison_markdown(table, link=link.table).rstrip("\n"), "",
                  f"*At most {CELL_ITEMS} statements a cell: `{command}` shows them all.*", ""]
    if result.explanation is not None:
        lines += ["## Why", ""] + _paths(result.explanation, link) + [""]
    return "\n".join(lines)


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def _paths(explanation, link) -> list[str]:
    if not explanation.paths:
        return [_flat(f"{explanation.source} → {explanation.target}: {explanation.message or 'no path'}")]
    out = []
    for i, path in enumerate(explanation.paths, 1):
        chain = " → ".join([path.steps[0].source, *(s.target for s in path.steps)])
        out.append(f"{i}. {_flat(chain)}")
        for s in path.steps:
            cites = ", ".join(link(c) for c in s.citations)
            out.append(f"    - {_flat(s.source)} —{_flat(s.relation)}→ {_flat(s.target)}: “{_flat(s.text)}” {cites}")
    return out


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def save_answer(root: Path, result, rel: str, titles: dict[str, str] | None = None, force: bool = False,
                today: dt.date | None = None) -> Path:
    """Write ``result`` as a note at ``rel`` (from ``target_path``); returns the file written."""
    text = answer_markdown(result, note_headings(root, {c.path for c in _citations(result)}), titles, today)
    return write_note(root, rel, text, force)


__all__ = ["CALLOUTS", "SaveRefused", "answer_markdown", "default_path", "save_answer", "target_path", "write_note"]
