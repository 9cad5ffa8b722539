"""A small change is searched as a delta over the search base, and answers as a rebuilt base would."""

import sqlite3

import pytest

from vaultgraph.query import retrieve
from vaultgraph.query.entities import link
from vaultgraph.service import index_vault
from vaultgraph.service.asking import Searcher

NEW_CLAIM = "- [[LoRA]] adapters quietly erase the arithmetic skills of the base model.\n"
QUESTIONS = ("risks of LoRA on CoT", "how to avoid catastrophic forgetting", "QLoRA memory cost",
             "DPO vs PPO", "what is LoRA", "риски квантизации")


def meta(vault):
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def graph_candidates(vault):
    """Each question's graph candidates (row, score, covered, inherited from), and the answers' citations."""
    searcher = Searcher(vault)
    try:
        out = {}
        for q in QUESTIONS:
            result = searcher.ask(q, 8)
            entities = link(q, searcher._concepts)
            intent = result.intent
            table = retrieve.expansions(searcher._concepts, entities, intent)
            links = [(c, e, w, i) for c, rows in table.items() for e, w, i in rows]
            found = searcher.segments.linked(links, len(entities), retrieve.WANTED.get(intent, {}),
                                             retrieve.REL_WEIGHT, retrieve.SHORTLIST)
            out[q] = ([(row, round(score, 9), sorted(covered), parent) for row, score, covered, parent in found],
                      [(c.path, c.line) for a in result.answers for c in a.citations])
        return out
    finally:
        searcher.close()


@pytest.fixture
def edited(demo_vault):
    """The demo vault indexed, then one note edited and one deleted: the second run writes a delta."""
    index_vault(demo_vault)
    note = demo_vault / "methods" / "QLoRA.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n" + NEW_CLAIM, encoding="utf-8")
    (demo_vault / "methods" / "DPO.md").unlink()
    index_vault(demo_vault)
    m = meta(demo_vault)
    assert m["search_generation"] != m["search_base"], "a two-note change must be written as a delta"
    return demo_vault


def test_a_claim_just_written_is_a_graph_candidate_and_answers(edited):
    answers = graph_candidates(edited)
    rows, citations = answers["what is LoRA"]
    with sqlite3.connect(edited / ".kg" / "index.sqlite") as conn:
        (new_row,) = conn.execute("SELECT row FROM passages WHERE text LIKE '%arithmetic skills%' "
                                  "AND field = 'claim'").fetchone()
    assert new_row in [r for r, *_ in rows]
    top = Searcher(edited).ask("LoRA and arithmetic skills", 5).answers[0]
    assert "arithmetic skills" in top.text and top.citations[0].path == "methods/QLoRA.md"


def test_a_deleted_note_is_never_cited(edited):
    for _, citations in graph_candidates(edited).values():
        assert all(path != "methods/DPO.md" for path, _ in citations)


def test_graph_candidates_of_a_delta_equal_a_rebuilt_bases(edited):
    from_delta = graph_candidates(edited)
    with sqlite3.connect(edited / ".kg" / "index.sqlite") as conn:  # as if kg's search format had changed
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'search_version'")
    report = index_vault(edited)
    assert report.parsed == 0 and report.search.rebuilt
    m = meta(edited)
    assert m["search_generation"] == m["search_base"], "the same passages, now in one base"
    rebuilt = graph_candidates(edited)
    assert {q: rows for q, (rows, _) in rebuilt.items()} == {q: rows for q, (rows, _) in from_delta.items()}
