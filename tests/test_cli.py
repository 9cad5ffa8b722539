"""The real ``kg`` command, run as a user would run it."""

import json
import os
from pathlib import Path

from conftest import DEMO_VAULT, run_kg


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_index_writes_only_into_vault_kg(demo_vault, tmp_path):
    before = _tree(tmp_path)
    result = run_kg("index", str(demo_vault), "--json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["notes"] >= 30 and report["failed"] == 0 and report["repaired"] >= 1
    new = _tree(tmp_path) - before
    assert new and all(p.startswith("vault/.kg") for p in new), new


def test_second_index_reuses_unchanged_notes(demo_vault):
    run_kg("index", str(demo_vault), "--json")
    (demo_vault / "methods" / "LoRA.md").write_text("# LoRA\nrewritten [[QLoRA]]\n", encoding="utf-8")
    report = json.loads(run_kg("index", "--vault", str(demo_vault), "--json").stdout)
    assert report["parsed"] == 1 and report["reused"] == report["notes"] - 1


def test_show_json_has_every_part_of_the_record(demo_vault):
    data = json.loads(run_kg("show", "Риски LoRA для CoT", "--vault", str(demo_vault), "--json").stdout)
    assert data["path"] == "analyses/Риски LoRA для CoT.md"
    for key in ("frontmatter", "sections", "links", "tags", "footnotes", "callouts", "messages", "tables",
                "fields", "block_ids", "repairs", "warnings"):
        assert key in data
    roles = [m["role"] for m in data["messages"]]
    assert "user" in roles and "assistant" in roles
    assert any(s["title"].startswith("1.") for s in data["sections"])
    assert data["footnotes"] and all(isinstance(l["line"], int) for l in data["links"])
    self_links = [l for l in data["links"] if l["resolved"] == data["path"]]
    assert self_links, "the note links to itself"


def test_show_text_names_sections_and_repairs(demo_vault):
    out = run_kg("show", "Конспект курса LLM", "--vault", str(demo_vault)).stdout
    assert "mojibake" in out and "sections" in out
    assert "–" not in out.split("repairs")[0].split("sections", 1)[1][:200]


def test_links_json_schema(demo_vault):
    rows = json.loads(run_kg("links", "--vault", str(demo_vault), "--json").stdout)
    assert rows
    for row in rows:
        assert {"source", "target", "raw", "line", "embed", "heading", "block", "resolved"} <= set(row)
        assert row["resolved"] == (row["target"] is not None)
    assert any(r["embed"] for r in rows) and any(r["block"] for r in rows) and any(r["heading"] for r in rows)
    assert any(not r["resolved"] for r in rows)


def test_status_reports_repairs_unresolved_and_staleness(demo_vault):
    run_kg("index", str(demo_vault))
    (demo_vault / "new note.md").write_text("[[nowhere]]", encoding="utf-8")
    data = json.loads(run_kg("status", "--vault", str(demo_vault), "--json").stdout)
    assert data["failed"] == 0 and data["notes"] >= 30
    assert any(r["path"] == "imported/Конспект курса LLM.md" and r["kind"] == "mojibake" for r in data["repairs"])
    assert data["unresolved_links"] and data["new"] == ["new note.md"]
    assert data["seconds_since_index"] is not None


def test_broken_inputs_are_reported_not_fatal(tmp_path):
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "ok.md").write_text("# fine\n[[bad]]", encoding="utf-8")
    (vault / "bad.md").write_text("---\ntags: [x\n---\n# body\n", encoding="utf-8")
    (vault / "blob.md").write_bytes(b"\x89PNG\x00\x00binary")
    (vault / "outside.md").symlink_to("/etc/hostname")
    data = json.loads(run_kg("status", "--vault", str(vault), "--json").stdout)
    reasons = {p["path"]: p["reason"] for p in data["problems"]}
    assert "bad.md:2" in reasons["bad.md"] or "bad.md:3" in reasons["bad.md"]
    assert "binary" in reasons["blob.md"]
    assert "outside the vault" in reasons["outside.md"]
    assert data["parsed"] == 2


def test_vault_discovery_order(tmp_path, demo_vault):
    run_kg("index", str(demo_vault))
    inner = demo_vault / "methods"
    # enclosing vault (a folder holding .obsidian/) from the working directory
    data = json.loads(run_kg("status", "--json", cwd=inner).stdout)
    assert data["vault"] == str(demo_vault)
    # KG_VAULT beats the working directory
    other = tmp_path / "other"
    (other / ".obsidian").mkdir(parents=True)
    (other / "x.md").write_text("x", encoding="utf-8")
    data = json.loads(run_kg("status", "--json", cwd=inner, env={"KG_VAULT": str(other)}).stdout)
    assert data["vault"] == str(other.resolve())
    # --vault beats KG_VAULT
    data = json.loads(run_kg("status", "--json", "--vault", str(demo_vault), env={"KG_VAULT": str(other)}).stdout)
    assert data["vault"] == str(demo_vault)


def test_bundled_demo_vault_is_the_default(tmp_path):
    # Outside any vault and without KG_VAULT, `kg show` reads the bundled demo vault (read-only command).
    data = json.loads(run_kg("show", "LoRA", "--json", cwd=tmp_path).stdout)
    assert data["path"] == "methods/LoRA.md"
    assert (DEMO_VAULT / "methods" / "LoRA.md").is_file()


def test_failures_are_one_line_and_non_zero(demo_vault, tmp_path):
    result = run_kg("show", "No such note", "--vault", str(demo_vault), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "No such note" in result.stderr
    result = run_kg("status", "--vault", str(tmp_path / "missing"), check=False)
    assert result.returncode != 0 and result.stderr.strip().count("\n") == 0


def test_lock_refuses_a_second_writer(demo_vault):
    import fcntl

    (demo_vault / ".kg").mkdir()
    with open(demo_vault / ".kg" / "lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_kg("index", str(demo_vault), check=False)
    assert result.returncode == 2 and "another `kg` process" in result.stderr
    assert os.path.exists(demo_vault / ".kg" / "lock")
