"""Nothing in the vault answers it: off-domain questions get no answers, and a concept label used as an
ordinary word ("pruning the hedge", "fine-tuning the soil mix") is not the concept."""

import json

import pytest
from conftest import fixture_vault, parse_fixture, run_kg

from vaultgraph.extract.concepts import ConceptIndex
from vaultgraph.extract.facts import extract
from vaultgraph.query.entities import link, weak
from vaultgraph.query.relevance import Calibration, probability


@pytest.fixture(scope="module")
def concepts():
    return ConceptIndex.load()


def test_ordinary_words_in_an_everyday_note_name_no_concept(concepts):
    facts = extract(parse_fixture("ordinary_words_in_everyday_note.md"), concepts, lambda target: None)
    assert facts.claims and not [c for c in facts.claims if c.about or c.affects or c.involves]
    ml = parse_fixture("ordinary_words_in_everyday_note.md")
    from dataclasses import replace

    from vaultgraph.model import Block

    extra = Block("paragraph", 9, 9, "Pruning after LoRA fine-tuning costs attention heads their accuracy.", None)
    facts = extract(replace(ml, blocks=ml.blocks + (extra,)), concepts, lambda target: None)
    about = {c for claim in facts.claims for c in (*claim.about, *claim.affects, *claim.involves)}
    assert {"Pruning", "LoRA"} <= about  # beside a concept named otherwise, the ordinary word is the concept


def test_a_question_names_a_concept_by_an_ordinary_word_only_in_the_domain(concepts):
    assert weak("when to prune the hedge", concepts) == {"Pruning"}
    assert weak("does pruning hurt LoRA adapters", concepts) == frozenset()
    assert weak("how to stop an adapter from overriding the model's reasoning", concepts) == frozenset()
    assert "Pruning" in link("when to prune the hedge", concepts)  # still found, only weaker


@pytest.fixture
def everyday(tmp_path):
    root = fixture_vault(tmp_path / "garden", {"ordinary_words_in_everyday_note.md": "Hedge and lawn.md",
                                                "near_duplicate_short_statements.md": "Daily note commands.md"})
    run_kg("index", str(root))
    return root


def _ask(root, question):
    return json.loads(run_kg("ask", question, "--vault", str(root), "--json").stdout)


def test_ml_questions_get_nothing_from_an_everyday_vault(everyday):
    for question in ("risks of fine-tuning on narrow data", "how does structured pruning affect model accuracy",
                     "how does attention work in transformers", "что такое катастрофическое забывание"):
        data = _ask(everyday, question)
        assert data["answers"] == [], (question, data["answers"][:1])
    text = run_kg("ask", "risks of LoRA on CoT", "--vault", str(everyday)).stdout
    assert "Nothing in the vault answers this" in text


def test_the_everyday_vault_still_answers_its_own_questions(everyday):
    data = _ask(everyday, "when should I prune the hedge")
    assert data["answers"] and data["answers"][0]["citations"][0]["line"] == 3, data["answers"][:2]


def test_off_domain_questions_get_nothing_from_the_demo_vault(demo_vault):
    run_kg("index", str(demo_vault))
    for question in ("best season to paint a wooden fence", "как заточить цепь бензопилы"):
        assert _ask(demo_vault, question)["answers"] == [], question
    assert _ask(demo_vault, "risks of LoRA on CoT")["answers"]


def test_the_vault_is_calibrated_at_index_time(demo_vault):
    from vaultgraph.store import reader

    run_kg("index", str(demo_vault))
    with reader(demo_vault) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    calibration = Calibration.of(meta)
    assert 0 < calibration.mid <= calibration.high < 1
    assert calibration.scale(calibration.mid) == 0 and calibration.scale(calibration.high) == pytest.approx(1)
    assert calibration.scale(0.0) == 0  # a low similarity never outvotes the words


def test_the_decision_grows_with_what_the_passage_holds():
    low = probability((0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    covered = probability((0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    unknown = probability((0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.8))
    linked = probability((0.1, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0))
    assert low < 0.5 < covered and unknown < covered and linked > low
