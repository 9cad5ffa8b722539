"""The demo vault has every shape of the user's notes (later tests and demos answer from it)."""

import re

from conftest import DEMO_VAULT

from vaultgraph.service import index_vault, load_notes


def test_demo_vault_shapes(demo_vault):
    report = index_vault(demo_vault)
    notes = load_notes(demo_vault)
    assert report.failed == 0 and report.notes >= 30
    russian = [n for n in notes if len(re.findall("[а-яё]", n.path.lower() + " ".join(s.title for s in n.sections)))]
    assert len(russian) >= report.notes // 4
    assert any(n.messages for n in notes), "chat exports"
    assert any(len(t.rows) >= 10 for n in notes for t in n.tables), "big method table"
    assert any(len(str(n.frontmatter)) > 3000 for n in notes), "frontmatter-heavy summary"
    assert any(n.footnotes and any(s.title.startswith("1.") for s in n.sections) for n in notes), "analyses"
    assert any(n.repairs for n in notes), "a mojibake note"
    assert sum(1 for n in notes if n.path.endswith("/Overview.md")) == 2, "duplicate names"
    assert any(f.key == "risk" for n in notes for f in n.fields), "Dataview fields"
    assert (DEMO_VAULT / ".obsidian").is_dir()
    assert list((DEMO_VAULT / "attachments").glob("*.png"))
