"""`kg ask` and `kg search` as a user runs them (fake embedder; the real model has its own test)."""

import json

import pytest
from conftest import run_kg

ANALYSIS = "analyses/Риски LoRA для CoT.md"


def ask(vault, question, *args, **kw):
    return json.loads(run_kg("ask", question, "--vault", str(vault), "--json", *args, **kw).stdout)


@pytest.fixture
def indexed(demo_vault):
    run_kg("index", str(demo_vault))
    return demo_vault


def test_json_has_exactly_the_documented_shape(indexed):
    data = ask(indexed, "risks of LoRA on CoT")
    assert set(data) == {"question", "intent", "entities", "answers"}
    assert data["question"] == "risks of LoRA on CoT" and data["intent"] == "risk"
    assert {"id": "LoRA", "label": "LoRA"} in data["entities"] and any(e["id"] == "CoT" for e in data["entities"])
    assert data["answers"]
    for a in data["answers"]:
        assert set(a) <= {"role", "text", "score", "citations", "sources", "inherited_from"}
        assert {"role", "text", "score", "citations", "sources"} <= set(a)
        assert isinstance(a["score"], float) and a["text"] and a["citations"]
        for c in a["citations"]:
            assert set(c) == {"path", "line", "end_line", "heading"}
            assert 1 <= c["line"] <= c["end_line"] and not c["path"].startswith("/")


def test_every_citation_points_at_the_lines_it_quotes(indexed):
    data = ask(indexed, "как бороться с катастрофическим забыванием", "--top", "10")
    assert data["intent"] == "solution" and data["answers"]
    for a in data["answers"]:
        for c in a["citations"]:
            lines = (indexed / c["path"]).read_text(encoding="utf-8").split("\n")[c["line"] - 1:c["end_line"]]
            words = [w for w in a["text"].replace("…", "").split() if len(w) > 5][:3]
            cited = " ".join(lines)
            assert any(w.strip(".,;:()«»\"") in cited for w in words), (a["text"], c)


def test_risks_of_lora_on_cot_come_from_the_analysis_note_grouped_by_role(indexed):
    data = ask(indexed, "risks of LoRA on CoT", "--top", "8")
    cited = [(c["path"], c["line"]) for a in data["answers"] for c in a["citations"]]
    assert any(path == ANALYSIS and 6 <= line <= 28 for path, line in cited), cited
    roles = {a["role"] for a in data["answers"]}
    assert roles & {"risk", "problem", "consequence"}
    text = run_kg("ask", "risks of LoRA on CoT", "--vault", str(indexed)).stdout
    assert "Risks" in text or "Problem" in text
    assert f"{ANALYSIS}:" in text


def test_russian_question_finds_the_russian_solutions(indexed):
    data = ask(indexed, "как решить проблему деградации CoT после LoRA")
    assert data["intent"] == "solution"
    solutions = [c for a in data["answers"] if a["role"] == "solution" for c in a["citations"]]
    assert any(c["path"] == ANALYSIS and 32 <= c["line"] <= 42 for c in solutions), solutions


def test_inherited_risks_follow_the_concepts_own(indexed):
    data = ask(indexed, "risks of QLoRA", "--top", "20")
    own = [i for i, a in enumerate(data["answers"]) if not a.get("inherited_from")]
    inherited = [i for i, a in enumerate(data["answers"]) if a.get("inherited_from")]
    assert own and inherited, data["answers"]
    assert max(own) < min(inherited)
    assert {a["inherited_from"] for a in data["answers"] if a.get("inherited_from")} <= {"LoRA", "PEFT", "fine-tuning"}


def test_nothing_relevant_means_no_answers_and_a_plain_message(indexed):
    data = ask(indexed, "how long to proof sourdough bread in a cold kitchen")
    assert data["answers"] == []
    text = run_kg("ask", "how long to proof sourdough bread in a cold kitchen", "--vault", str(indexed)).stdout
    assert "Nothing in the vault answers this" in text


def test_ask_builds_the_index_on_a_fresh_vault(demo_vault):
    assert not (demo_vault / ".kg").exists()
    data = ask(demo_vault, "what is DPO")
    assert data["answers"] and (demo_vault / ".kg" / "index.sqlite").exists()


def test_stale_index_is_reported_and_refresh_updates_it(indexed):
    note = indexed / "methods" / "Tokenization.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n- Zorblatt tokenizers split every zorblatt word into single bytes.\n",
                    encoding="utf-8")
    result = run_kg("ask", "zorblatt tokenizers", "--vault", str(indexed), "--json")
    assert "behind the vault" in result.stderr
    assert not any("Zorblatt" in a["text"] for a in json.loads(result.stdout)["answers"])
    fresh = run_kg("ask", "zorblatt tokenizers", "--vault", str(indexed), "--json", "--refresh")
    assert "behind the vault" not in fresh.stderr
    assert any("Zorblatt" in a["text"] for a in json.loads(fresh.stdout)["answers"])


def test_text_output_links_each_citation_to_obsidian(indexed):
    import os

    env = {"FORCE_COLOR": "1", "COLUMNS": "200", "TERM": "xterm-256color"}
    out = run_kg("ask", "risks of LoRA on CoT", "--vault", str(indexed), env={**env, **{"NO_COLOR": ""}}).stdout
    if "\x1b]8;" not in out:  # rich writes OSC 8 hyperlinks only to a terminal it trusts
        pytest.skip("no hyperlink support detected in this environment")
    assert f"obsidian://open?vault={os.path.basename(indexed)}&file=" in out


def test_markdown_output_pastes_into_obsidian(indexed):
    md = run_kg("ask", "risks of LoRA on CoT", "--vault", str(indexed), "--markdown").stdout
    assert md.startswith("## risks of LoRA on CoT")
    assert "### " in md and "[[analyses/Риски LoRA для CoT#" in md


def test_search_is_plain_retrieval_with_the_same_citations(indexed):
    data = json.loads(run_kg("search", "QLoRA 4-bit NF4 memory", "--vault", str(indexed), "--json").stdout)
    assert data["intent"] == "open" and data["answers"]
    assert any(c["path"] == "methods/QLoRA.md" for a in data["answers"] for c in a["citations"])


def test_near_duplicates_collapse_into_one_answer_with_several_citations(indexed):
    data = ask(indexed, "how to avoid catastrophic forgetting", "--top", "12")
    paths = [len({c["path"] for c in a["citations"]}) for a in data["answers"]]
    assert max(paths) >= 2, data["answers"]
    texts = [a["text"] for a in data["answers"]]
    assert len(texts) == len(set(texts))


def test_empty_question_is_a_clear_error(indexed):
    result = run_kg("ask", "   ", "--vault", str(indexed), check=False)
    assert result.returncode == 2 and "empty" in result.stderr


def test_a_comparison_question_gets_the_side_by_side_table(indexed):
    data = ask(indexed, "сравни LoRA и DPO")
    assert data["intent"] == "comparison" and data["comparison"]["methods"] == ["LoRA", "DPO"]
    cells = [item for row in data["comparison"]["rows"] for items in row["cells"].values() for item in items]
    assert cells and all(item["citations"] for item in cells)
    text = run_kg("ask", "LoRA vs DPO", "--vault", str(indexed)).stdout
    assert "LoRA" in text and "DPO" in text and "the vault says nothing" in text


def test_a_why_question_gets_cited_paths(indexed):
    data = ask(indexed, "почему LoRA ухудшает рассуждения")
    assert data["intent"] == "explanation" and data["paths"]
    first = data["paths"][0]["steps"]
    assert first[0]["from"] == "LoRA" and all(s["citations"] for s in first)


def test_a_comparison_that_cannot_be_made_is_said_and_the_answers_still_come(indexed):
    import sqlite3

    with sqlite3.connect(indexed / ".kg" / "index.sqlite") as conn:  # reasoning data of another kg version
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'reason_version'")
    result = run_kg("ask", "LoRA vs DPO", "--vault", str(indexed), "--json")
    data = json.loads(result.stdout)
    assert data["intent"] == "comparison" and not data.get("comparison") and data["answers"]
    assert "no comparison: the index of" in result.stderr and "Traceback" not in result.stderr
