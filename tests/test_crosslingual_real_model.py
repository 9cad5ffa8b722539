"""Across languages with the real default model: an English question reaches a Russian note and the reverse
(the vault's words translated by the model, its bracketed pairs), and an unanswerable one gets nothing."""

import json

import pytest
from conftest import fixture_vault, run_kg

from vaultgraph.index.embedders import DEFAULT_MODEL

NOTES = {"term_bold_definition_ru.md": "Метрика Kestrel.md", "translation_in_brackets.md": "Устойчивость обучения.md",
         "ordinary_words_in_everyday_note.md": "Hedge and lawn.md", "chat_preamble.md": "TTFT chat.md",
         "table_marks_question_header.md": "Способы ускорить ответ.md"}
REAL = {"KG_MODEL": DEFAULT_MODEL}


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = fixture_vault(tmp_path_factory.mktemp("crosslingual") / "vault", NOTES)
    run_kg("index", str(root), env=REAL)
    return root


def _top(vault, question, command="ask"):
    data = json.loads(run_kg(command, question, "--vault", str(vault), "--json", "--top", "3", env=REAL).stdout)
    return [(c["path"], c["line"]) for a in data["answers"] for c in a["citations"][:1]]


@pytest.mark.parametrize("question, place", [
    ("what helps when the gradient norm spikes", ("Устойчивость обучения.md", 3)),
    ("how to cut the time to the first token", ("TTFT chat.md", 12)),
    ("когда лучше подрезать живую изгородь", ("Hedge and lawn.md", 3)),
    ("что такое Kestrel", ("Метрика Kestrel.md", 7)),
    ("how is the Kestrel score computed", ("Метрика Kestrel.md", 11)),
])
def test_a_question_reaches_a_note_in_the_other_language(vault, question, place):
    assert place in _top(vault, question), question


def test_search_finds_a_term_by_its_other_language_alias(vault):
    assert ("Метрика Kestrel.md", 7) in _top(vault, "Пустельга", command="search")


@pytest.mark.parametrize("question", ["how long to proof sourdough overnight", "какие риски у взлома награды в RLHF",
                                      "attention heads in vision transformers"])
def test_an_unanswerable_question_gets_nothing(vault, question):
    assert _top(vault, question) == [], question
