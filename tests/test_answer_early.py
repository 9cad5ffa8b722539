"""A first index of a large vault answers from words and the graph before its vectors are computed.

A vault whose new search base lacks more than ``DEFER_ABOVE`` vectors is committed first without them; the
vectors follow in a second transaction. Here the threshold is 0 so the demo vault takes that path, with the
real default model. Questions asked in between answer (with citations) and say the vectors are not there yet;
a run stopped in between leaves an index that answers, and the next run computes what is missing.
"""

from __future__ import annotations

import json

import pytest
from conftest import ask_once, run_kg

from vaultgraph.service import index_vault, status

MODEL = "use-multilingual"
QUESTION = "risks of LoRA on CoT"


def _cited(answers) -> bool:
    """Every answer cites a note of the vault and its lines."""
    return bool(answers) and all(c["path"].endswith(".md") and c["line"] >= 1 for a in answers for c in a["citations"]) \
        and all(a["citations"] for a in answers)


def _ask(vault, question: str = QUESTION):
    return ask_once(vault, question)


def test_the_vault_answers_before_its_vectors_are_computed(demo_vault):
    seen = {}

    def answerable(first) -> None:  # called between the two transactions
        seen.update(pending=first.search.pending, search=status(demo_vault)["search"], result=_ask(demo_vault))

    report = index_vault(demo_vault, model=MODEL, defer_vectors_above=0, on_answerable=answerable)

    assert seen["pending"] > 500
    assert seen["search"]["model"] is None and seen["search"]["vectors_pending"] == seen["pending"]
    early = seen["result"]
    assert _cited([a.to_dict() for a in early.answers])
    assert any("have no vectors yet" in n for n in early.notices), early.notices
    assert report.answerable_after is not None and 0 < report.answerable_after < report.seconds
    assert report.search.model == MODEL and report.search.pending == 0 and report.search.embedded == seen["pending"]

    after = status(demo_vault)["search"]
    assert after["model"] == MODEL and after["vectors_pending"] == 0
    late = _ask(demo_vault)
    assert late.answers and not any("no vectors" in n for n in late.notices)


def test_a_run_stopped_before_the_vectors_leaves_an_index_that_answers(demo_vault):
    def stop(first) -> None:
        raise KeyboardInterrupt  # as a user's Ctrl-C between the two transactions

    with pytest.raises(KeyboardInterrupt):
        index_vault(demo_vault, model=MODEL, defer_vectors_above=0, on_answerable=stop)

    shown = run_kg("status", "--vault", str(demo_vault), env={"KG_MODEL": MODEL}).stdout
    assert "no vectors yet" in shown and "passages wait for them" in shown
    asked = run_kg("ask", QUESTION, "--vault", str(demo_vault), "--json", env={"KG_MODEL": MODEL, "KG_SERVER": "0"})
    data = json.loads(asked.stdout)
    assert _cited(data["answers"])
    assert "have no vectors yet" in asked.stderr

    again = run_kg("index", "--vault", str(demo_vault), "--json", env={"KG_MODEL": MODEL})
    search = json.loads(again.stdout)["search"]
    assert search["model"] == MODEL and search["embedded"] > 500 and search["pending"] == 0
    assert json.loads(run_kg("status", "--vault", str(demo_vault), "--json").stdout)["search"]["vectors_pending"] == 0
    assert not any("no vectors" in n for n in _ask(demo_vault).notices)


def test_vectors_added_later_give_the_answers_of_a_build_that_had_them(demo_vault, tmp_path):
    """The second transaction adds the vectors (and the words' vectors) to the base the first one wrote, without
    building its words index again: the answers are those of an index built in one go."""
    import shutil

    whole = tmp_path / "whole"
    shutil.copytree(demo_vault, whole)
    late = index_vault(demo_vault, model=MODEL, defer_vectors_above=0)
    index_vault(whole, model=MODEL, defer_vectors_above=None)
    assert late.answerable_after is not None and "vectors.search.bm25" not in late.stages
    for question in (QUESTION, "чем QLoRA отличается от LoRA", "how to reduce hallucinations"):
        got, expected = _ask(demo_vault, question), _ask(whole, question)
        assert [a.to_dict() for a in got.answers] == [a.to_dict() for a in expected.answers], question
        assert got.answers or question.startswith("how")
