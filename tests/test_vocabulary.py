"""The vocabulary a vault defines itself (index/terms.py): found, answered, shown, exported, kept current."""

import json

import pytest
from conftest import FIXTURES, fixture_vault, parse_fixture, run_kg

from vaultgraph.index.passages import note_passages
from vaultgraph.index.terms import note_terms, pairs

VOCAB = ("term_bold_definition_ru.md", "translation_in_brackets.md", "table_marks_question_header.md",
         "ordinary_words_in_everyday_note.md", "chat_preamble.md", "label_url_navigation_lines.md")


@pytest.fixture
def vault(tmp_path):
    names = {"term_bold_definition_ru.md": "Метрика Kestrel.md", "ordinary_words_in_everyday_note.md": "Hedge and lawn.md",
             "table_marks_question_header.md": "Способы ускорить ответ.md"}
    root = fixture_vault(tmp_path / "vault", {name: names.get(name, name) for name in VOCAB})
    run_kg("index", str(root))
    return root


def _terms(name):
    from vaultgraph.extract.concepts import ConceptIndex
    from vaultgraph.extract.facts import extract

    note = parse_fixture(name)
    facts = extract(note, ConceptIndex.load(), lambda target: None)
    return note_terms(note, note_passages(note, facts))


def test_a_note_names_its_terms_with_the_lines_that_define_them():
    found = {(t.kind, t.text): t for t in _terms("term_bold_definition_ru.md")}
    assert ("bold", "Kestrel") in found and found["bold", "Kestrel"].line == 7
    assert ("alias", "Пустельга") in found and ("alias", "Kestrel score") in found
    assert ("title", "term_bold_definition_ru") in found
    assert ("heading", "Как считать") in found
    title = found["alias", "Пустельга"]
    assert (title.line, title.end_line) == (7, 7)  # an alias cites the note's first passage


def test_bracketed_translations_are_pairs_both_ways_and_figures_are_not():
    text = (FIXTURES / "translation_in_brackets.md").read_text(encoding="utf-8")
    found = [p for line in text.split("\n") for p in pairs(line)]
    assert ("обрезка градиента", "gradient clipping") in found
    assert ("прогрев", "warm-up") in found  # «а ещё — прогрев (warm-up)»: the preposition is not part of it
    assert ("накопление градиентов", "gradient accumulation") in found
    assert ("blight", "фитофтороз") in found
    assert not [p for p in found if any(ch.isdigit() for ch in p[1]) or p[1].startswith("см")]
    terms = {(t.text, t.partner) for t in _terms("translation_in_brackets.md") if t.kind == "pair"}
    assert ("gradient clipping", "обрезка градиента") in terms and ("обрезка градиента", "gradient clipping") in terms


def test_table_rows_and_chat_titles(tmp_path):
    rows = {t.text for t in _terms("table_marks_question_header.md") if t.kind == "row"}
    assert {"Кэш префикса", "Спекулятивное декодирование", "Увеличение батча"} <= rows
    assert not [t for t in _terms("chat_preamble.md") if t.kind == "bold"]  # "**Assistant**" titles a message


def test_a_term_only_the_vault_defines_is_answered_from_its_note(vault):
    for question in ("what is Kestrel", "что такое Пустельга"):
        data = json.loads(run_kg("ask", question, "--vault", str(vault), "--json").stdout)
        assert data["answers"], question
        top = data["answers"][0]["citations"][0]
        assert (top["path"], top["line"]) == ("Метрика Kestrel.md", 7), (question, data["answers"][0])
    found = json.loads(run_kg("search", "Kestrel", "--vault", str(vault), "--json").stdout)
    assert any(c["path"] == "Метрика Kestrel.md" for a in found["answers"] for c in a["citations"])


def test_kg_terms_lists_exports_and_follows_edits(vault):
    listed = json.loads(run_kg("terms", "--vault", str(vault), "--json").stdout)
    by_label = {label["text"]: t for t in listed for label in t["labels"]}
    clipping = by_label["gradient clipping"]
    assert {label["text"] for label in clipping["labels"]} >= {"gradient clipping", "обрезка градиента"}
    assert clipping["kinds"] == ["pair"] and clipping["places"][0]["path"] == "translation_in_brackets.md"

    from rdflib import Graph, Literal
    from rdflib.namespace import SKOS

    g = Graph().parse(data=run_kg("terms", "--vault", str(vault), "--ttl", "--kind", "pair").stdout, format="turtle")
    concept = next(g.subjects(SKOS.prefLabel, Literal("gradient clipping", lang="en")))
    assert (concept, SKOS.prefLabel, Literal("обрезка градиента", lang="ru")) in g
    assert run_kg("terms", "--vault", str(vault), "--kind", "nonsense", check=False).returncode != 0

    shown = json.loads(run_kg("show", "Метрика Kestrel", "--vault", str(vault), "--json").stdout)
    assert {"text": "Kestrel", "kind": "bold"}.items() <= next(t for t in shown["terms"] if t["kind"] == "bold").items()
    status = json.loads(run_kg("status", "--vault", str(vault), "--json").stdout)
    assert status["terms"]["pairs"] >= 4 and status["terms"]["by_kind"]["bold"] >= 1

    note = vault / "Метрика Kestrel.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n**Harrier** — the same metric over ten paraphrases.\n",
                    encoding="utf-8")
    run_kg("index", str(vault))
    listed = {label["text"] for t in json.loads(run_kg("terms", "--vault", str(vault), "--json").stdout)
              for label in t["labels"]}
    assert "Harrier" in listed
    data = json.loads(run_kg("ask", "what is Harrier", "--vault", str(vault), "--json").stdout)
    assert data["answers"] and data["answers"][0]["citations"][0]["path"] == "Метрика Kestrel.md"


def test_a_term_every_note_defines_gives_a_question_its_pairs_only():
    """A key more notes define than a question uses ("Risks", a heading of every note) comes back as its pairs
    and its count of notes; a rarer key comes back whole."""
    import sqlite3

    from vaultgraph.index.terms import lookup
    from vaultgraph.store.sqlite import _SCHEMA

    conn = sqlite3.connect(":memory:")
    conn.executescript(_SCHEMA)
    rows = [("risks", "Risks", "heading", f"n{i}.md", 3, 3, "en", "") for i in range(50)]
    rows += [("risks", "Risks", "pair", "n7.md", 9, 9, "en", "Риски"), ("lora", "LoRA", "title", "LoRA.md", 1, 1, "en", ""),
             ("lora", "LoRA", "heading", "b.md", 2, 2, "en", "")]
    conn.executemany("INSERT INTO terms VALUES (?,?,?,?,?,?,?,?)", rows)
    found, notes = lookup(conn, ["risks", "lora"], whole_up_to=3)
    assert notes == {"risks": 50, "lora": 2}
    assert [(t.key, t.kind) for t in found] == [("lora", "title"), ("lora", "heading"), ("risks", "pair")]
    assert len(lookup(conn, ["risks", "lora"])[0]) == 53  # without a bound: every row
