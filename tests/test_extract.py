"""Extraction rules: roles, claim units, effect direction, table columns, risks, solutions, sources."""

import pytest
from conftest import parse_fixture

from vaultgraph.extract.concepts import ConceptIndex
from vaultgraph.extract.facts import extract
from vaultgraph.extract.roles import heading_role
from vaultgraph.extract.wording import column_meaning, direction


@pytest.mark.parametrize("heading,role", [
    ("1. В чём суть проблемы или задачи", "problem"),
    ("2. Последствия отсутствия решения, на что это влияет", "consequences"),
    ("3. Как решить эту проблему", "solution"),
    ("### 2. Consequences if unsolved", "consequences"),
    ("How to solve it", "solution"),
    ("Mitigations", "solution"),
    ("Risks specific to QLoRA", "risks"),
    ("Риски", "risks"),
    ("Источники", "sources"),
    ("Ограничения метода", "limitations"),
    ("Learns less, forgets less", None),
])
def test_heading_roles_in_both_languages(heading, role):
    assert heading_role(heading) == role


@pytest.mark.parametrize("text,expected", [
    ("Narrow fine-tuning degrades chain-of-thought", "degrades"),
    ("LoRA снижает качество рассуждений", "degrades"),
    ("↓ Perplexity, ↑ zero-shot performance", "improves"),
    ("↑ cost, ↑ memory", "degrades"),
    ("Self-consistency improves accuracy on GSM8K", "improves"),
    ("LoRA freezes the base weights", None),
])
def test_effect_direction(text, expected):
    assert direction(text) == expected


def test_table_columns_by_header_meaning():
    headers = ["№", "Метод/Подход", "Эффект (по метрикам)", "Стоимость (ресурсы)", "Источник / работа", "Примечания"]
    assert [column_meaning(h) for h in headers] == ["number", "method", "effect", "cost", "source", "notes"]


@pytest.fixture(scope="module")
def facts():
    note = parse_fixture("analysis_problem_consequence_solution.md")
    return extract(note, ConceptIndex.load(), lambda target: "Narrow data.md" if target == "Narrow data" else None)


def _claim(facts, line):
    (claim,) = [c for c in facts.claims if c.line == line]
    return claim


def test_problem_bullet_is_a_risk_of_lora_on_reasoning_with_its_footnote_source(facts):
    claim = _claim(facts, 9)
    assert claim.kinds == ("claim", "problem", "risk") and claim.role == "problem"
    assert claim.about == ("LoRA",) and "Reasoning" in claim.affects and claim.direction == "degrades"
    assert "note:Narrow data.md" in claim.sources and claim.evidence == ("Narrow data.md",)
    assert claim.heading == ("1. What the problem is",) and claim.author == "user"


def test_consequence_inherits_the_method_and_cites_author_year(facts):
    claim = _claim(facts, 13)
    assert "consequence" in claim.kinds and "risk" in claim.kinds
    assert claim.about == ("LoRA",) and "Reasoning" in claim.affects
    assert "cite:lobo-2024" in claim.sources


def test_solution_mitigates_the_risks_and_problem_causes_consequence(facts):
    solution = _claim(facts, 17)
    assert "solution" in solution.kinds and "arxiv:2405.09673" in solution.sources
    risk_ids = {c.id for c in facts.claims if "risk" in c.kinds and "LoRA" in c.about}
    assert {t for s, t in facts.mitigates if s == solution.id} & risk_ids
    problem, consequence = _claim(facts, 7), _claim(facts, 13)
    assert (problem.id, consequence.id) in facts.causes or (_claim(facts, 9).id, consequence.id) in facts.causes


def test_table_row_maps_columns_and_finds_mode_collapse(facts):
    row = _claim(facts, 21)
    assert row.origin == "row" and row.about == ("RLHF",) and row.cost == "💰💰💰"
    assert "ModeCollapse" in row.involves and "cite:ouyang-2022" in row.sources


def test_assistant_text_is_attributed_and_chat_marks_are_sources(facts):
    claim = _claim(facts, 28)
    assert claim.author == "assistant" and "QLoRA" in claim.about
    assert any(s.startswith("chat:3") for s in claim.sources)


def test_claim_ids_are_stable_and_extraction_is_deterministic():
    note = parse_fixture("analysis_problem_consequence_solution.md")
    a = extract(note, ConceptIndex.load(), lambda t: None)
    b = extract(note, ConceptIndex.load(), lambda t: None)
    assert a == b
    assert all(c.id.startswith(f"{note.path}#L{c.line}-{c.end_line}-") for c in a.claims)
