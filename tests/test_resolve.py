"""Link agreement: on a vault of tricky cases, every link resolves to what Obsidian would open."""

from pathlib import Path

import pytest

from vaultgraph.service import all_links, index_vault

# (file, content) of a generated vault; links are checked against EXPECTED below.
FILES = {
    "Overview.md": "root overview",
    "methods/Overview.md": "methods overview",
    "archive/2024/Overview.md": "old overview",
    "methods/LoRA.md": "---\naliases: [Low-Rank Adaptation, LoRA-дообучение]\n---\n# LoRA\n## Risks\npara ^blk\n",
    "methods/QLoRA.md": "QLoRA",
    "concepts/Катастрофическое забывание.md": "---\naliases: Catastrophic forgetting\n---\n",
    "deep/a/b/Note.md": "deep",
    "other/Note.md": "shallower, same length? no: other/Note.md is shorter",
    "Note With Spaces.md": "spaces",
    "attachments/diagram.png": "png",
    "attachments/paper.pdf": "pdf",
    "sub/local.md": "in sub",
    "sub/source.md": "\n".join([
        "[[LoRA]]",                              # 1 by name
        "[[lora]]",                              # 2 case-insensitive
        "[[LoRA.md]]",                           # 3 with extension
        "[[methods/QLoRA]]",                     # 4 vault path
        "[[Overview]]",                          # 5 duplicates: shortest path wins
        "[[2024/Overview]]",                     # 6 path tail
        "[[archive/2024/Overview#Scaling|old]]", # 7 full path with heading and alias
        "[[Note]]",                              # 8 duplicate names in folders: shortest path
        "[[local]]",                             # 9 same folder
        "[[./local]]",                           # 10 explicit relative
        "[[../methods/LoRA]]",                   # 11 relative upwards
        "[[../../etc/passwd]]",                  # 12 outside the vault: never followed
        "![[diagram.png|300]]",                  # 13 attachment by name
        "![[attachments/paper.pdf]]",            # 14 attachment by path
        "[[Low-Rank Adaptation]]",               # 15 alias
        "[[catastrophic forgetting]]",           # 16 alias, case-insensitive
        "[[#Local heading]]",                    # 17 this note
        "[[Missing note]]",                      # 18 unresolved
        "[x](Note%20With%20Spaces.md)",          # 19 markdown link
        "[y](../methods/LoRA.md#Risks)",         # 20 markdown link, relative
        "[[Катастрофическое забывание]]",        # 21 Cyrillic name
        "[[diagram]]",                           # 22 attachments need their extension
        "[[LoRA#^blk]]",                         # 23 block
        "[[/methods/LoRA]]",                     # 24 leading slash: vault root
    ]),
}

EXPECTED = {
    1: ("methods/LoRA.md", "name"), 2: ("methods/LoRA.md", "name"), 3: ("methods/LoRA.md", "name"),
    4: ("methods/QLoRA.md", "path"), 5: ("Overview.md", "path"), 6: ("archive/2024/Overview.md", "path"),
    7: ("archive/2024/Overview.md", "path"), 8: ("other/Note.md", "name"), 9: ("sub/local.md", "relative"),
    10: ("sub/local.md", "relative"), 11: ("methods/LoRA.md", "relative"), 12: (None, "unresolved"),
    13: ("attachments/diagram.png", "name"), 14: ("attachments/paper.pdf", "path"),
    15: ("methods/LoRA.md", "alias"), 16: ("concepts/Катастрофическое забывание.md", "alias"),
    17: ("sub/source.md", "self"), 18: (None, "unresolved"), 19: ("Note With Spaces.md", "path"),
    20: ("methods/LoRA.md", "relative"), 21: ("concepts/Катастрофическое забывание.md", "name"),
    22: (None, "unresolved"), 23: ("methods/LoRA.md", "name"), 24: ("methods/LoRA.md", "path"),
}


@pytest.fixture
def tricky_vault(tmp_path: Path) -> Path:
    root = tmp_path / "tricky"
    (root / ".obsidian").mkdir(parents=True)
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_every_link_resolves_like_obsidian(tricky_vault):
    index_vault(tricky_vault)
    rows = [r for r in all_links(tricky_vault) if r["source"] == "sub/source.md"]
    # a link matching only an alias opens nothing in Obsidian: reported as an alias match, target None
    got = {r["line"]: (r["alias_of"] if r["how"] == "alias" else r["target"], r["how"]) for r in rows}
    assert got == EXPECTED
    assert all(r["target"] is None and not r["resolved"] for r in rows if r["how"] == "alias")


def test_a_new_note_resolves_an_old_dangling_link(tricky_vault):
    index_vault(tricky_vault)
    (tricky_vault / "Missing note.md").write_text("now it exists", encoding="utf-8")
    index_vault(tricky_vault)
    got = {r["line"]: r["target"] for r in all_links(tricky_vault) if r["source"] == "sub/source.md"}
    assert got[18] == "Missing note.md"


def test_demo_vault_tricky_links(demo_vault):
    index_vault(demo_vault)
    links = {(r["source"], r["line"], r["raw"]): r["target"] or r["alias_of"] for r in all_links(demo_vault)}

    def target(source, line, raw):
        return links[(source, line, raw)]

    assert target("Start here.md", 14, "[[Overview]]") == "methods/Overview.md"
    assert target("methods/Overview.md", 10, "[[archive/2024/Overview|last year's overview]]") == "archive/2024/Overview.md"
    assert target("methods/LoRA.md", 18, "[[qlora]]") == "methods/QLoRA.md"
    assert target("summaries/Training methods evidence table.md", 95, "[[LoRA|low-rank adapters]]") == "methods/LoRA.md"
    assert target("methods/LoRA.md", 38, "![[diagram.png|300]]") == "attachments/diagram.png"
    assert target("methods/Overview.md", 25, "[[цепочка рассуждений]]") == "methods/Chain-of-thought prompting.md"
    assert target("analyses/Narrow fine-tuning and reasoning.md", 41, "[](../methods/Fine-tuning.md)") == "methods/Fine-tuning.md"
    assert target("methods/Overview.md", 54, "[](Instruction%20tuning.md)") == "methods/Instruction tuning.md"
