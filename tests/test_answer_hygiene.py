"""What an answer never is: a heading standing alone, a bare URL, a list of links, an assistant's preamble;
and what it keeps: every link's words, different statements apart, "evidence" only for what cites."""

import json

from conftest import fixture_vault, parse_fixture, run_kg

from vaultgraph.extract.concepts import ConceptIndex
from vaultgraph.extract.facts import extract
from vaultgraph.extract.units import units
from vaultgraph.index.lexical import tokenize
from vaultgraph.index.passages import note_passages
from vaultgraph.query.answer import _similar


def _passages(name):
    note = parse_fixture(name)
    return note_passages(note, extract(note, ConceptIndex.load(), lambda target: None))


def test_labels_urls_navigation_and_preambles_are_never_answers():
    weights = {p.text: p.weight for p in _passages("label_url_navigation_lines.md") if p.field == "claim"}
    assert weights["Training Process"] == 0.0
    assert weights["https://example.org/a-long-paper-about-training-stability"] == 0.0
    assert weights["Hedge and lawn · Способы ускорить ответ · Метрика Kestrel"] == 0.0
    assert [w for t, w in weights.items() if t.startswith("Warm restarts")] == [1.0]
    chat = {p.line: p.weight for p in _passages("chat_preamble.md") if p.field == "claim"}
    assert chat[7] == 0.0 and chat[12] == 1.0  # «Хорошо. Соберу …» announces the next message


def test_a_preamble_is_not_cited_even_when_it_matches(tmp_path):
    root = fixture_vault(tmp_path / "vault", {"chat_preamble.md": "chat.md", "label_url_navigation_lines.md": "reading.md"})
    run_kg("index", str(root))
    for question in ("соберу варианты", "Training Process", "reading list links"):
        data = json.loads(run_kg("ask", question, "--vault", str(root), "--json").stdout)
        cited = {(c["path"], c["line"]) for a in data["answers"] for c in a["citations"]}
        assert not cited & {("chat.md", 7), ("reading.md", 3), ("reading.md", 5), ("reading.md", 7)}, question


def test_links_to_a_heading_keep_their_words():
    text = " ".join(u.text for u in units(parse_fixture("local_heading_link_text.md")))
    assert "a type of property that defines alternative names for a Notes" in text
    assert "See Hedge and lawn too" in text


def test_short_statements_differing_in_a_word_stay_apart():
    items = [set(tokenize(u.text)) for u in units(parse_fixture("near_duplicate_short_statements.md"))]
    assert len(items) == 3
    assert not _similar(items[0], items[1]) and not _similar(items[1], items[2])
    long_a = set(tokenize("LoRA fine-tuning on a narrow domain dataset degrades chain-of-thought reasoning in small models"))
    long_b = set(tokenize("fine-tuning LoRA on a narrow domain dataset degrades the chain-of-thought reasoning of small models"))
    assert _similar(long_a, long_b)


def test_evidence_is_what_cites_not_what_links():
    from vaultgraph.query.answer import answer_role

    passages = {p.text[:12]: p for p in _passages("footnotes.md") if p.field == "claim"}
    assert any(p.cites for p in passages.values())
    linked_only = [p for p in _passages("analysis_problem_consequence_solution.md")
                   if p.field == "claim" and p.sources and not p.cites and p.role != "sources" and "result" not in p.kinds]
    assert linked_only and all(answer_role(p, "evidence") != "evidence" for p in linked_only)
