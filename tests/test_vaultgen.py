"""The synthetic vault generator (benchmarks/vaultgen.py): deterministic, realistic, and readable by kg."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vaultgen

NOTES = 200


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _notes(root: Path) -> dict[str, str]:
    return {path: data.decode("utf-8-sig") for path, data in _tree(root).items()
            if path.endswith(".md") and not path.startswith(".")}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("vault")
    stats = vaultgen.generate(root, NOTES, seed=1)
    return root, stats


def test_same_seed_gives_byte_identical_trees(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    vaultgen.generate(a, NOTES, seed=1)
    vaultgen.generate(b, NOTES, seed=1)
    tree_a = _tree(a)
    assert tree_a == _tree(b)
    assert len([p for p in tree_a if p.endswith(".md")]) == NOTES
    vaultgen.generate(c, NOTES, seed=2)
    assert _tree(c) != tree_a


def test_layout_obsidian_folders_duplicates_attachments(generated):
    root, stats = generated
    assert (root / ".obsidian").is_dir() and (root / ".obsidian" / "app.json").is_file()
    notes = _notes(root)
    assert len(notes) == NOTES == stats["notes"]
    depths = {path.count("/") for path in notes}
    assert {1, 2, 3} <= depths and max(depths) <= 3
    by_name: dict[str, set[str]] = {}
    for path in notes:
        folder, _, name = path.rpartition("/")
        by_name.setdefault(name.lower(), set()).add(folder)
    assert any(len(folders) > 1 for folders in by_name.values()), "no file name repeated across folders"
    pngs = [p for p in _tree(root) if p.endswith(".png")]
    assert pngs and all((root / p).read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)


def test_about_thirty_percent_russian(generated):
    root, _ = generated
    russian = 0
    for text in _notes(root).values():
        letters = [c for c in text if c.isalpha()]
        cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
        russian += bool(letters) and cyrillic > 0.3 * len(letters)
    assert 0.2 <= russian / NOTES <= 0.4, f"{russian} Russian notes of {NOTES}"


def test_at_least_one_mojibake_note(generated):
    root, stats = generated
    damaged = []
    for path, text in _notes(root).items():
        try:
            original = text.encode("mac_roman").decode("utf-8")
        except UnicodeError:
            continue
        if original != text and re.search("[а-яА-Я]{3}", original):
            damaged.append(path)
    assert damaged and stats["mojibake_notes"] >= 1


FEATURES = {
    "frontmatter": r"\A(?:\ufeff)?---\r?\n",
    "tags as a block list": r"(?m)^tags:\n  - ",
    "tags as a flow list": r"(?m)^tags: \[",
    "tags as a string": r"(?m)^tags: [^\[\n]",
    "aliases": r"(?m)^aliases:",
    "dates": r"(?m)^created: \d{4}-\d\d-\d\d$",
    "datetime": r"(?m)^updated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$",
    "link in a property": r"(?m)^\w+: \"\[\[",
    "block scalar": r"(?m)^\w+: \|-$",
    "heading 1": r"(?m)^# \S",
    "heading 2": r"(?m)^## \S",
    "heading 3": r"(?m)^### \S",
    "heading 4": r"(?m)^#### \S",
    "[[a]]": r"(?<!!)\[\[[^\]|#\\]+\]\]",
    "[[a|alias]]": r"\[\[[^\]#|\\]+\|[^\]]+\]\]",
    "[[a#heading]]": r"\[\[[^\]#|]+#[^\^\]|][^\]|]*\]\]",
    "[[a#^block]]": r"\[\[[^\]#|]+#\^[\w-]+\]\]",
    "[[#local]]": r"(?<!!)\[\[#[^\^\]][^\]]*\]\]",
    "![[embed]]": r"!\[\[(?![^\]]*\.png)[^\]]+\]\]",
    "![[img.png|300]]": r"!\[\[[^\]]+\.png\|300\]\]",
    "[[folder/a]]": r"\[\[[^\]|#/]+/[^\]|#]+\]\]",
    "^block id": r"(?m) \^[A-Za-z0-9-]+$",
    "markdown link to a local note": r"\]\((?!https?:)[^)\s]+\.md(?:#[^)\s]*)?\)",
    "markdown link in angle brackets": r"\]\(<[^>]+\.md>\)",
    "inline tag": r"(?m)(?<!\S)#[a-z][\w-]*(?=\s|$)",
    "nested inline tag": r"(?<!\S)#\w+/[\w/]+",
    "Cyrillic inline tag": r"(?<!\S)#[а-яё][а-яё/\w-]*",
    "footnote reference": r"\[\^\w+\](?!:)",
    "footnote definition with a wiki-link": r"(?m)^\[\^\w+\]: \[\[",
    "table": r"(?m)^\|(?: ?:?-{3,}:? ?\|)+$",
    "escaped pipe in a wiki-link": r"\[\[[^\]]+\\\|[^\]]+\]\]",
    "callout": r"(?mi)^> ?\[!(?:warning|note|tip|risk|info)\]",
    "folded callout": r"(?m)^> ?\[!\w+\][-+]",
    "nested callout": r"(?m)^> > \[!\w+\]",
    "chat user message": r"(?m)^>\[!nexus_user\] \*\*[^*]+\*\* - \d\d\.\d\d\.\d{4} at \d\d:\d\d$",
    "chat agent message": r"(?m)^>\[!nexus_agent\] \*\*[^*]+\*\* - \d\d\.\d\d\.\d{4} at \d\d:\d\d$",
    "heading inside a chat message": r"(?m)^> #{3,4} \S",
    "table inside a chat message": r"(?m)^> \|(?: ?:?-{3,}:? ?\|)+$",
    "chat message UID": r"(?m)^<!-- UID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12} -->$",
    "Dataview field": r"(?m)^(?:- )?\w+:: \[\[",
    "bracketed Dataview field": r"[\[(]\w+:: [^\])]+[\])]",
    "fenced code": r"(?m)^(?:```|~~~)",
}


def test_every_syntax_feature_is_present(generated):
    root, _ = generated
    text = "\n".join(_notes(root).values())
    missing = [name for name, pattern in FEATURES.items() if not re.search(pattern, text)]
    assert not missing, f"features never generated: {missing}"
    starts = [t for t in _notes(root).values() if re.match(FEATURES["frontmatter"], t)]
    assert starts, "no note starts with frontmatter"
    fences = re.findall(r"(?ms)^(```|~~~)[^\n]*\n(.*?)^\1", text)
    assert any("[[" in body for _, body in fences), "no fenced code block holding a fake link"


def test_links_aim_mostly_at_existing_notes(generated):
    _, stats = generated
    features = stats["features"]
    assert features["links"] > 10 * NOTES
    assert 0.08 <= features["links_missing"] / features["links"] <= 0.2


def test_kg_indexes_the_generated_vault(tmp_path):
    from vaultgraph.service import index_vault

    root = tmp_path / "vault"
    vaultgen.generate(root, NOTES, seed=1)
    report = index_vault(root)
    assert report.notes == NOTES
    assert report.failed == 0
    assert report.links > 0
    assert 0 < report.unresolved < report.links
