"""Re-indexing does only the work a change needs, and always ends where a clean build would."""

import json
import os
import shutil
import sqlite3

import pytest
from conftest import run_kg

ANALYSIS = "analyses/Риски LoRA для CoT.md"
EXPERIMENT = "Эксперимент 07 — LoRA на юридических текстах"


def index(vault, *args):
    return json.loads(run_kg("index", str(vault), "--json", *args).stdout)


def snapshot(vault):
    """What a user can observe of an index: the graph, the links, the passages."""
    ttl = run_kg("export", "--vault", str(vault), "--format", "ttl").stdout
    links = run_kg("links", "--vault", str(vault), "--json").stdout
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        passages = sorted(conn.execute(
            "SELECT id, path, line, end_line, heading, kinds, text, about, affects, involves, sources, weight "
            "FROM passages").fetchall())
        relations = sorted(conn.execute("SELECT path, src, rel, dst FROM relations").fetchall())
    return ttl, links, passages, relations


def clean_build(vault, tmp_path):
    copy = tmp_path / "clean" / vault.name
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".kg"))
    index(copy)
    return snapshot(copy)


@pytest.fixture
def indexed(demo_vault):
    index(demo_vault)
    return demo_vault


def test_nothing_changed_does_nothing(indexed):
    report = index(indexed)
    assert report["parsed"] == 0 and report["graph"]["extracted"] == 0 and not report["search"]["rebuilt"]


def test_a_touched_note_is_not_parsed_again(indexed):
    os.utime(indexed / "methods" / "LoRA.md")
    report = index(indexed)
    assert report["parsed"] == 0 and report["graph"]["extracted"] == 0


def test_edit_redoes_one_note_and_equals_a_clean_build(indexed, tmp_path):
    note = indexed / "methods" / "DPO.md"
    note.write_text(note.read_text(encoding="utf-8").replace("β", "beta") + "\n- DPO can over-fit tiny sets.\n",
                    encoding="utf-8")
    report = index(indexed)
    assert report["parsed"] == 1 and report["graph"]["extracted"] == 1 and not report["graph"]["full"]
    assert 0 < report["search"]["embedded"] < 20
    assert snapshot(indexed) == clean_build(indexed, tmp_path)


def test_delete_removes_the_notes_graph_and_passages(indexed, tmp_path):
    (indexed / "summaries" / "Alignment methods digest.md").unlink()
    report = index(indexed)
    assert report["removed"] == 1 and not report["graph"]["full"]
    assert report["graph"]["extracted"] < report["notes"] // 2  # the notes linking to it, not the vault
    ttl, links, passages, _ = snapshot(indexed)
    assert "vault/summaries/Alignment%20methods%20digest.md" not in ttl  # links to it remain, unresolved
    assert all(p[1] != "summaries/Alignment methods digest.md" for p in passages)
    assert snapshot(indexed) == clean_build(indexed, tmp_path)


def test_deleting_a_note_that_defines_a_concept_re_extracts_everything_and_says_why(indexed):
    (indexed / "methods" / "Model merging.md").unlink()
    report = index(indexed)
    assert report["graph"]["full"] and "concepts the vault defines" in report["graph"]["reason"]


def test_a_concept_notes_new_alias_re_extracts_everything_and_a_plain_edit_does_not(indexed):
    note = indexed / "methods" / "DPO.md"
    note.write_text(note.read_text(encoding="utf-8").replace("DPO-дообучение]", "DPO-дообучение, DPO-тюнинг]"),
                    encoding="utf-8")
    report = index(indexed)
    assert report["graph"]["full"] and "concepts the vault defines" in report["graph"]["reason"]
    note.write_text(note.read_text(encoding="utf-8") + "\n- DPO needs a reference model in memory.\n",
                    encoding="utf-8")
    report = index(indexed)  # a method note's body: its concept (name, aliases, broader) is the same
    assert report["graph"]["extracted"] == 1 and not report["graph"]["full"]


def test_rename_and_folder_move_re_resolve_links(indexed, tmp_path):
    (indexed / "analyses" / "Preference optimization risks.md").rename(indexed / "analyses" / "PO risks.md")
    shutil.move(str(indexed / "concepts"), str(indexed / "ideas"))
    report = index(indexed)
    assert not report["graph"]["full"] and report["graph"]["extracted"] < report["notes"]
    links = json.loads(run_kg("links", "--vault", str(indexed), "--json").stdout)
    targets = {l["target"] for l in links if l["resolved"]}
    assert "ideas/Mode collapse.md" in targets and not any(t.startswith("concepts/") for t in targets)
    assert not any(l["target"] == "analyses/Preference optimization risks.md" for l in links)
    assert snapshot(indexed) == clean_build(indexed, tmp_path)


def test_a_new_note_satisfies_an_old_dangling_link(indexed, tmp_path):
    def dangling():
        return [l for l in json.loads(run_kg("links", "--vault", str(indexed), "--json").stdout)
                if l["source"] == ANALYSIS and EXPERIMENT in l["raw"]]

    assert dangling() and not any(l["resolved"] for l in dangling())
    (indexed / "experiments").mkdir()
    (indexed / "experiments" / f"{EXPERIMENT}.md").write_text(
        "# Эксперимент 07\n\nПосле трёх эпох LoRA на коротких юридических ответах модель перестала рассуждать "
        "по шагам в арифметике.\n", encoding="utf-8")
    report = index(indexed)
    assert report["parsed"] == 1 and report["graph"]["extracted"] == 2  # the new note and the one linking to it
    assert all(l["target"] == f"experiments/{EXPERIMENT}.md" for l in dangling())
    assert snapshot(indexed) == clean_build(indexed, tmp_path)


def test_model_change_re_embeds_and_says_so(indexed):
    report = index(indexed, "--model", "fake-64")
    assert report["graph"]["extracted"] == 0 and report["parsed"] == 0
    assert report["search"]["reason"] and "fake-64" in report["search"]["reason"]
    assert report["search"]["embedded"] > 500
    again = index(indexed, "--model", "fake-64")
    assert not again["search"]["rebuilt"] and again["search"]["reason"] is None
    text = run_kg("index", str(indexed), "--model", "fake").stdout
    assert "embedding model changed from fake-64 to fake" in text


def test_extraction_rules_change_re_extracts_every_note_and_says_so(indexed):
    db = indexed / ".kg" / "index.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'extract_version'")
        conn.execute("UPDATE meta SET value = 'x' WHERE key = 'graph_signature'")
    report = index(indexed)
    assert report["parsed"] == 0 and report["graph"]["full"]
    assert report["graph"]["extracted"] == report["notes"]
    assert "extraction rules changed" in report["graph"]["reason"]


def test_parser_change_re_parses_every_note_and_says_so(indexed):
    with sqlite3.connect(indexed / ".kg" / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'parser_version'")
    report = index(indexed)
    assert report["parsed"] == report["notes"] and "parser changed" in report["reason"]
    assert index(indexed)["reason"] is None


def test_one_process_indexing_again_resolves_against_the_vaults_current_names(demo_vault):
    """``kg watch`` re-indexes in one process, which keeps its name index between runs: every new,
    renamed or deleted name must still count."""
    from vaultgraph.service import all_links, index_vault

    def target_of(raw_part):
        return [l["target"] for l in all_links(demo_vault) if l["source"] == "inbox.md" and raw_part in l["raw"]]

    index_vault(demo_vault)
    (demo_vault / "inbox.md").write_text("See [[Zeta method]] and [[LoRA]].\n", encoding="utf-8")
    index_vault(demo_vault)  # no name changed but inbox's own: the cached index resolves LoRA
    assert target_of("LoRA") == ["methods/LoRA.md"] and target_of("Zeta") == [None]
    (demo_vault / "methods" / "Zeta method.md").write_text("# Zeta method\n", encoding="utf-8")
    index_vault(demo_vault)
    assert target_of("Zeta") == ["methods/Zeta method.md"]
    (demo_vault / "inbox.md").write_text("See [[Zeta method]], [[LoRA]] and [[Zeta method|again]].\n",
                                         encoding="utf-8")
    index_vault(demo_vault)  # an edit only: resolved by the index the last run built
    assert target_of("Zeta") == ["methods/Zeta method.md"] * 2
    (demo_vault / "methods" / "Zeta method.md").rename(demo_vault / "Zeta method.md")
    index_vault(demo_vault)
    assert target_of("Zeta") == ["Zeta method.md"] * 2
    (demo_vault / "Zeta method.md").unlink()
    (demo_vault / "inbox.md").write_text("See [[Zeta method]].\n", encoding="utf-8")
    index_vault(demo_vault)
    assert target_of("Zeta") == [None]
