"""Linked method reasoning (`kg why`, `kg compare`, inheritance, vault health) on the demo vault and the seeds.

Every command runs the real `kg` on a private copy of a vault; the indexed demo copy is shared by the
read-only tests of this module (indexing is the slow part), tests that edit notes get their own.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import DEMO_VAULT, SEEDS, run_kg

from vaultgraph.reason import claims_of, lineage, load, why
from vaultgraph.repair import decode

CITATION_KEYS = {"path", "line", "end_line", "heading"}


@pytest.fixture(scope="module")
def indexed_demo(tmp_path_factory) -> Path:
    """One indexed private copy of the demo vault for the tests that only read it."""
    target = tmp_path_factory.mktemp("reason") / "vault"
    shutil.copytree(DEMO_VAULT, target, ignore=shutil.ignore_patterns(".kg"))
    run_kg("index", str(target), cwd=target.parent)
    return target


def kg_json(*args, cwd):
    return json.loads(run_kg(*args, "--json", cwd=cwd).stdout)


def lines_of(root: Path, citation: dict) -> str:
    """The cited lines of the vault file, decoded (and repaired) as kg reads it."""
    text = decode((root / citation["path"]).read_bytes()).text.replace("\r\n", "\n").split("\n")
    assert 1 <= citation["line"] <= citation["end_line"] <= len(text), citation
    return "\n".join(text[citation["line"] - 1:citation["end_line"]])


def assert_cited(root: Path, text: str, citation: dict) -> None:
    """The citation points at real lines of a vault note that hold (a piece of) the cited text."""
    assert set(citation) == CITATION_KEYS
    if citation["path"].startswith("schema/"):
        return  # a skos:broader/related link stated by the concept scheme, not by a note
    cited = lines_of(root, citation).casefold()
    words = [w.strip(".,;:()«»\"'—–-[]*") for w in text.casefold().split()]
    assert any(len(w) >= 5 and w in cited for w in words), (text, citation, cited)


# --- kg why ---------------------------------------------------------------------------------------

def test_why_lora_cot_gives_ranked_paths_with_every_step_cited(indexed_demo):
    data = kg_json("why", "LoRA", "CoT", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    assert data["from"] == "LoRA" and data["to"] == "chain-of-thought"
    assert 1 <= len(data["paths"]) <= 3
    scores = [p["score"] for p in data["paths"]]
    assert scores == sorted(scores, reverse=True)
    for path in data["paths"]:
        assert isinstance(path["score"], float) and path["steps"]
        assert path["steps"][0]["from"].startswith("LoRA")
        assert path["steps"][-1]["to"].startswith("chain-of-thought")
        for a, b in zip(path["steps"], path["steps"][1:]):
            assert a["to"] == b["from"]  # a chain, step by step
        for step in path["steps"]:
            assert {"from", "relation", "to", "text", "citations"} <= set(step)
            assert step["citations"]
            for c in step["citations"]:
                assert_cited(indexed_demo, step["text"], c)
    # the best path is a user-written claim that LoRA degrades chain-of-thought
    best = data["paths"][0]["steps"]
    assert len(best) == 1 and best[0]["relation"] == "degrades" and best[0]["author"] == "user"


def test_why_text_output_shows_each_step_with_its_lines(indexed_demo):
    out = run_kg("why", "LoRA", "CoT", "--vault", str(indexed_demo), cwd=indexed_demo.parent).stdout
    assert "LoRA → chain-of-thought" in out and "—degrades→" in out
    assert ".md:" in out and "score" in out


def test_why_russian_names_resolve_to_the_same_concepts(indexed_demo):
    en = kg_json("why", "chain-of-thought", "LoRA", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    ru = kg_json("why", "цепочки рассуждений", "LoRA-дообучения", "--vault", str(indexed_demo),
                 cwd=indexed_demo.parent)
    assert (ru["from"], ru["to"]) == (en["from"], en["to"]) == ("chain-of-thought", "LoRA")
    assert [p["steps"] for p in ru["paths"]] == [p["steps"] for p in en["paths"]]
    assert ru["paths"][0]["steps"][0]["relation"] == "is degraded by"  # read from B's side


def test_why_goes_through_the_broader_concept(indexed_demo):
    data = kg_json("why", "QLoRA", "fine-tuning", "--vault", str(indexed_demo), "-k", "5", cwd=indexed_demo.parent)
    chains = [[(s["from"], s["relation"], s["to"]) for s in p["steps"]] for p in data["paths"]]
    kind_of = [c for c in chains if ("QLoRA", "is a kind of", "LoRA") in c]
    assert kind_of, chains
    step = next(s for p in data["paths"] for s in p["steps"] if s["relation"] == "is a kind of" and s["from"] == "QLoRA")
    # the vault's own QLoRA note says it builds on LoRA, and that is what is cited
    assert step["citations"][0]["path"] == "methods/QLoRA.md"


def test_why_without_a_path_says_so_and_names_nearest_concepts(indexed_demo):
    # no note of the demo vault says anything about data efficiency
    result = run_kg("why", "LoRA", "data efficiency", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    assert result.returncode == 0
    assert "no chain of claims" in result.stdout and "LoRA connects to" in result.stdout
    data = kg_json("why", "LoRA", "data efficiency", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    assert data["paths"] == [] and "no chain of claims" in data["message"]
    assert len(data["nearest"]["from"]) >= 3 and data["nearest"]["to"] == []


def test_unknown_concept_fails_with_one_line_and_suggestions(indexed_demo):
    result = run_kg("why", "LoRAA", "CoT", "--vault", str(indexed_demo), cwd=indexed_demo.parent, check=False)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("kg: no concept named 'LoRAA'") and "LoRA" in message[30:]


def test_why_prefers_the_user_written_sourced_claim_over_the_assistant(tmp_path):
    vault = tmp_path / "small"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Adapter notes.md").write_text(
        "# Adapter notes\n\n## Risks\n\n- LoRA trained on short answers degrades reasoning on multi-step "
        "problems (Lobo et al. 2024, arXiv:2411.15382).\n", encoding="utf-8")
    (vault / "Chat.md").write_text(
        ">[!nexus_user] **User** - 01.01.2025 at 10:00\n> does LoRA hurt reasoning?\n"
        "<!-- UID: 00000000-0000-0000-0000-000000000001 -->\n\n"
        ">[!nexus_agent] **Assistant** - 01.01.2025 at 10:01\n> LoRA degrades reasoning badly on every task.\n"
        "<!-- UID: 00000000-0000-0000-0000-000000000002 -->\n", encoding="utf-8")
    data = kg_json("why", "LoRA", "reasoning", "--vault", str(vault), cwd=tmp_path)
    best = data["paths"][0]
    assert len(best["steps"]) == 1
    step = best["steps"][0]
    assert (step["relation"], step["author"]) == ("degrades", "user")
    assert step["citations"] == [{"path": "Adapter notes.md", "line": 5, "end_line": 5, "heading": "Adapter notes › Risks"}]
    # the assistant's claim says the same, and is what remains once the user's note is gone
    (vault / "Adapter notes.md").unlink()
    run_kg("index", str(vault), cwd=tmp_path)
    alone = kg_json("why", "LoRA", "reasoning", "--vault", str(vault), cwd=tmp_path)["paths"][0]["steps"][0]
    assert (alone["author"], alone["citations"][0]["path"]) == ("assistant", "Chat.md")
    assert alone["relation"] == "degrades" and best["score"] > 0


# --- kg compare -----------------------------------------------------------------------------------

def test_compare_table_cites_every_cell_and_leaves_unknown_cells_empty(indexed_demo):
    data = kg_json("compare", "LoRA", "full fine-tuning", "DPO", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    assert data["methods"] == ["LoRA", "full fine-tuning", "DPO"]
    aspects = [r["aspect"] for r in data["rows"]]
    for fixed in ("cost", "risks", "mitigations", "sources"):
        assert fixed in aspects
    assert "effect on reasoning" in aspects
    empty = 0
    for row in data["rows"]:
        assert set(row["cells"]) == set(data["methods"])
        for method, items in row["cells"].items():
            empty += not items
            for item in items:
                assert item["citations"]
                for c in item["citations"]:
                    if row["aspect"] in ("cost", "sources"):
                        lines_of(indexed_demo, c)  # the value's row / the citing lines exist
                    else:
                        assert_cited(indexed_demo, item["text"], c)
    assert empty, "some cells should be empty: the vault does not say everything about every method"
    reasoning = next(r for r in data["rows"] if r["aspect"] == "effect on reasoning")
    assert any(i.get("direction") == "degrades" for i in reasoning["cells"]["LoRA"])


def test_compare_accepts_russian_names_and_shows_a_text_table(indexed_demo):
    data = kg_json("compare", "полное дообучение", "LoRA", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    assert data["methods"] == ["full fine-tuning", "LoRA"]
    out = run_kg("compare", "LoRA", "DPO", "--vault", str(indexed_demo), cwd=indexed_demo.parent).stdout
    assert "effect on reasoning" in out and "mitigations" in out and ".md:" in out


def test_compare_markdown_pastes_into_obsidian(indexed_demo):
    out = run_kg("compare", "LoRA", "RLHF", "--markdown", "--vault", str(indexed_demo), cwd=indexed_demo.parent).stdout
    lines = out.strip().split("\n")
    assert lines[0] == "| aspect | LoRA | RLHF |" and lines[1] == "|---|---|---|"
    for line in lines[2:]:
        unescaped = line.replace("\\|", "")
        assert unescaped.startswith("| ") and unescaped.count("|") == 4, line
    # citations are links to the cited heading, their alias pipe escaped for tables
    assert re.search(r"\[\[methods/RLHF#[^\]|]+\\\|RLHF:\d+\]\]", out), out


# --- inheritance ----------------------------------------------------------------------------------

def test_qlora_inherits_lora_and_fine_tuning_risks_marked_with_their_concept(indexed_demo):
    assert [c for c, _ in lineage(load(indexed_demo), "QLoRA")] == ["LoRA", "PEFT", "FineTuning"]
    assert lineage(load(indexed_demo), "QLoRA") == [("LoRA", 1), ("PEFT", 2), ("FineTuning", 3)]
    risks = claims_of(load(indexed_demo), "QLoRA")
    origins = [r.inherited_from for r in risks]
    assert origins[0] is None  # QLoRA's own risks come first …
    first_inherited = origins.index(next(o for o in origins if o))
    assert all(o is None for o in origins[:first_inherited])
    assert {"LoRA", "FineTuning"} <= set(origins)  # … then LoRA's and fine-tuning's, in lineage order
    depths = [r.depth for r in risks]
    assert depths == sorted(depths)
    lora = [r for r in risks if r.inherited_from == "LoRA"]
    assert any("chain-of-thought" in r.text for r in lora)
    assert all("LoRA" in r.claim.about and "QLoRA" not in r.claim.about for r in lora)
    own = [r for r in risks if r.inherited_from is None]
    assert any(r.claim.path == "methods/QLoRA.md" for r in own)
    # the same marking as a user sees it in a comparison
    data = kg_json("compare", "QLoRA", "LoRA", "--all", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    inherited = next(r for r in data["rows"] if r["aspect"] == "inherited risks")
    assert {i["inherited_from"] for i in inherited["cells"]["QLoRA"]} >= {"LoRA", "fine-tuning"}
    # the default table shows the nearest ancestor's first (6 of the 76 of the cell) and counts them all
    data = kg_json("compare", "QLoRA", "LoRA", "--vault", str(indexed_demo), cwd=indexed_demo.parent)
    shown = next(r for r in data["rows"] if r["aspect"] == "inherited risks")
    assert shown["cells"]["QLoRA"] == inherited["cells"]["QLoRA"][:6]
    assert shown["totals"]["QLoRA"] == len(inherited["cells"]["QLoRA"]) > 6


def test_a_concept_note_broader_property_makes_it_inherit(tmp_path):
    """Two concepts the scheme does not know, linked only by the child note's ``broader:`` property."""
    vault = tmp_path / "own"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Adapter soup.md").write_text(
        "---\ntype: method\nbroader: \"[[Weight surgery|surgery on weights]]\"\naliases: [суп адаптеров]\n---\n"
        "# Adapter soup\n\n## Risks\n\n- Adapter soup can erase a skill that one of the merged adapters had.\n",
        encoding="utf-8")
    (vault / "Weight surgery.md").write_text(
        "---\ntype: method\n---\n# Weight surgery\n\n## Risks\n\n"
        "- Weight surgery degrades the calibration of the edited model.\n", encoding="utf-8")
    data = kg_json("compare", "Adapter soup", "Weight surgery", "--vault", str(vault), cwd=tmp_path)
    inherited = next(r for r in data["rows"] if r["aspect"] == "inherited risks")["cells"]["Adapter soup"]
    assert [(i["inherited_from"], i["citations"][0]["path"], i["citations"][0]["line"]) for i in inherited] == [
        ("Weight surgery", "Weight surgery.md", 8)]
    answers = kg_json("ask", "risks of суп адаптеров", "--vault", str(vault), cwd=tmp_path)["answers"]
    assert [a.get("inherited_from") for a in answers if "calibration" in a["text"]] == ["Weight surgery"]
    assert answers[0]["citations"][0]["path"] == "Adapter soup.md" and not answers[0].get("inherited_from")
    # the link is the note's: remove the property and the inheritance goes with it
    note = vault / "Adapter soup.md"
    note.write_text(note.read_text(encoding="utf-8").replace("broader: \"[[Weight surgery|surgery on weights]]\"\n", ""),
                    encoding="utf-8")
    run_kg("index", str(vault), cwd=tmp_path)
    data = kg_json("compare", "Adapter soup", "Weight surgery", "--vault", str(vault), cwd=tmp_path)
    assert not next(r for r in data["rows"] if r["aspect"] == "inherited risks")["cells"]["Adapter soup"]


# --- kg check -------------------------------------------------------------------------------------

def test_check_reports_vault_health_as_warnings(demo_vault):
    (demo_vault / "Lonely.md").write_text(
        "# Lonely\n\nThis note links nowhere and nothing links here.\n", encoding="utf-8")
    (demo_vault / "methods" / "Tokenization.md").open("a", encoding="utf-8").write(
        "\n## Unanswered\n\n> [!risk] Tokenizer drift\n> Swapping the tokenizer of a trained model "
        "degrades quality on every language it splits differently.\n")
    result = run_kg("check", "--vault", str(demo_vault), "--json", cwd=demo_vault.parent)
    assert result.returncode == 0  # health findings never fail kg check
    data = json.loads(result.stdout)
    assert data["conforms"] is True and {"violations", "unresolved_links", "repairs", "problems"} <= set(data)
    assert "Lonely.md" in [r["path"] for r in data["orphan_notes"]]
    drift = [r for r in data["unmitigated_risks"] if r["path"] == "methods/Tokenization.md" and "tokenizer" in r["text"]]
    assert drift and drift[0]["line"] > 1
    assert all(r["path"] and r["line"] >= 1 for r in data["unsourced_claims"])
    undefined = {r["concept"]: r for r in data["undefined_concepts"]}
    assert "CatastrophicForgetting" in undefined and "LoRA" not in undefined  # LoRA has its own note
    text = run_kg("check", "--vault", str(demo_vault), cwd=demo_vault.parent).stdout
    assert "health (warnings)" in text and "Lonely.md" in text


# --- the reasoning data in the index ------------------------------------------------------------------

def _reasoning_tables(vault: Path) -> dict:
    import sqlite3

    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in ("reason_edges", "reason_degree")} | \
            {"cites": sorted(conn.execute("SELECT path, src, rel, dst FROM relations").fetchall())}


def test_reasoning_is_read_from_the_index_and_updated_per_changed_note(demo_vault):
    run_kg("index", str(demo_vault), cwd=demo_vault.parent)
    assert not list((demo_vault / ".kg").glob("reason*.pickle"))  # nothing beside the index
    before = why(load(demo_vault), "QLoRA", "fine-tuning").to_dict()
    note = demo_vault / "methods" / "QLoRA.md"
    original = note.read_text(encoding="utf-8")
    note.write_text(original + "\n- QLoRA with paged optimizers degrades output diversity.\n", encoding="utf-8")
    run_kg("index", str(demo_vault), cwd=demo_vault.parent)
    after = load(demo_vault)
    assert any("paged optimizers degrades" in r.text for r in claims_of(after, "QLoRA", kinds=None, inherited=False))
    explained = why(after, "QLoRA", "output diversity")
    assert explained.paths and "paged optimizers" in explained.paths[0].steps[0].text
    # the note's edges were replaced in place: the same data as every note derived again
    incremental = _reasoning_tables(demo_vault)
    run_kg("index", str(demo_vault), "--rebuild", cwd=demo_vault.parent)
    assert _reasoning_tables(demo_vault) == incremental
    assert why(load(demo_vault), "QLoRA", "fine-tuning").to_dict() == before
    # the claim taken out again: its edges go, and the degrees of their ends drop with them
    note.write_text(original, encoding="utf-8")
    run_kg("index", str(demo_vault), cwd=demo_vault.parent)
    removed = _reasoning_tables(demo_vault)
    assert len(removed["reason_edges"]) < len(incremental["reason_edges"])
    assert dict(removed["reason_degree"]) != dict(incremental["reason_degree"])
    run_kg("index", str(demo_vault), "--rebuild", cwd=demo_vault.parent)
    assert _reasoning_tables(demo_vault) == removed


# --- the seeds ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def indexed_seeds(tmp_path_factory) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    target = tmp_path_factory.mktemp("seeds") / "seeds"
    (target / ".obsidian").mkdir(parents=True)
    for f in sorted(SEEDS.glob("0*.txt")):
        shutil.copy(f, target / (f.stem + ".md"))
    shutil.copy(SEEDS / "004_bfd7eff721c6b0e3.txt", target / "174_изучи_все.md")  # as conftest.seed_vault
    run_kg("index", str(target), cwd=target.parent)
    return target


def test_seed_compare_lora_rlhf_cites_seed_000_table_rows(indexed_seeds):
    raw = (indexed_seeds / "000_ffbbb055047f1bd2.md").read_text(encoding="utf-8").split("\n")
    table_rows = {i for i, line in enumerate(raw, 1) if line.startswith("|") and not line.startswith("|-")}
    data = kg_json("compare", "LoRA", "RLHF", "--vault", str(indexed_seeds), cwd=indexed_seeds.parent)
    for method in ("LoRA", "RLHF"):
        cited = {(c["path"], c["line"]) for row in data["rows"] for item in row["cells"][method]
                 for c in item["citations"]}
        rows = [line for path, line in cited if path == "000_ffbbb055047f1bd2.md" and line in table_rows]
        assert rows, method
        assert any(method in raw[line - 1] for line in rows)  # the row of that method


def test_seed_why_lora_cot_has_a_path_citing_seed_004(indexed_seeds):
    data = kg_json("why", "LoRA", "CoT", "--vault", str(indexed_seeds), cwd=indexed_seeds.parent)
    seed_004 = {"004_bfd7eff721c6b0e3.md", "174_изучи_все.md"}  # the same note under both its names
    assert any(all(c["path"] in seed_004 for s in p["steps"] for c in s["citations"]) for p in data["paths"])
    for p in data["paths"]:
        for s in p["steps"]:
            for c in s["citations"]:
                assert_cited(indexed_seeds, s["text"], c)


def test_reasoning_and_questions_import_no_parser():
    """kg why, kg compare and kg ask read the index: importing them loads neither markdown-it nor YAML nor an RDF
    library (each is tens of milliseconds of every command's start)."""
    import subprocess
    import sys

    code = ("import sys, vaultgraph.reason, vaultgraph.service.asking, vaultgraph.service.reasoning; "
            "print(sorted(m for m in ('markdown_it', 'yaml', 'rdflib', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
