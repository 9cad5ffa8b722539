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
            dense = searcher.segments.search_dense(searcher.embedder().embed_query(q), 50)
            out[q] = ([(row, round(score, 9), sorted(covered), parent) for row, score, covered, parent in found],
                      [(c.path, c.line) for a in result.answers for c in a.citations],
                      [(row, round(score, 5)) for row, score in dense])
        return out
    finally:
        searcher.close()


@pytest.fixture
def edited(demo_vault):
    """The demo vault indexed, then edited twice: one note edited and one deleted, then the edited note
    edited again (the passages the first delta added die) and a note added. Each run writes a delta,
    the second extending the first."""
    index_vault(demo_vault)
    note = demo_vault / "methods" / "QLoRA.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n" + NEW_CLAIM, encoding="utf-8")
    (demo_vault / "methods" / "DPO.md").unlink()
    index_vault(demo_vault)
    note.write_text(note.read_text(encoding="utf-8").replace("4-bit", "four-bit"), encoding="utf-8")
    (demo_vault / "inbox.md").write_text("# Inbox\n\n- [[QLoRA]] can slow inference down on old GPUs.\n",
                                         encoding="utf-8")
    index_vault(demo_vault)
    m = meta(demo_vault)
    assert m["search_generation"] == str(int(m["search_base"]) + 2), "each small change must be written as a delta"
    return demo_vault


def test_a_claim_just_written_is_a_graph_candidate_and_answers(edited):
    answers = graph_candidates(edited)
    rows, citations, _ = answers["what is LoRA"]
    with sqlite3.connect(edited / ".kg" / "index.sqlite") as conn:
        (new_row,) = conn.execute("SELECT row FROM passages WHERE text LIKE '%arithmetic skills%' "
                                  "AND field = 'claim'").fetchone()
    assert new_row in [r for r, *_ in rows]
    top = Searcher(edited).ask("LoRA and arithmetic skills", 5).answers[0]
    assert "arithmetic skills" in top.text and top.citations[0].path == "methods/QLoRA.md"


def test_a_deleted_note_is_never_cited(edited):
    for _, citations, _ in graph_candidates(edited).values():
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
    assert {q: rows for q, (rows, _, _) in rebuilt.items()} == {q: rows for q, (rows, _, _) in from_delta.items()}
    assert {q: dense for q, (_, _, dense) in rebuilt.items()} == {q: dense for q, (_, _, dense) in from_delta.items()}


def test_a_later_delta_holds_what_one_computed_from_scratch_would(edited):
    """The second delta reused the first's rows; computing the same generation from the base alone
    (as if the first delta were lost) gives the same rows, vectors, tokens and links."""
    import numpy as np

    from vaultgraph import layout
    from vaultgraph.index import build
    from vaultgraph.index.delta import load
    from vaultgraph.index.embedders import get_embedder

    m = meta(edited)
    extended = load(layout.delta_file(edited, m["search_generation"]))
    as_if_none_before = {**m, "search_generation": m["search_base"]}  # the delta is then computed whole
    with sqlite3.connect(edited / ".kg" / "index.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        report = build._write_delta(edited, conn, as_if_none_before, get_embedder(m["model_spec"]), None)
    assert report is not None
    scratch = load(layout.delta_file(edited, as_if_none_before["search_generation"]))
    assert scratch.rows.tolist() == extended.rows.tolist() and scratch.tokens == extended.tokens
    assert np.allclose(scratch.vectors, extended.vectors) and scratch.dead.tolist() == extended.dead.tolist()
    assert {c: extended.links.postings(c)[0].tolist() for c in extended.links.concepts} == \
        {c: scratch.links.postings(c)[0].tolist() for c in scratch.links.concepts}


def test_a_words_passage_count_leaves_out_deleted_passages(demo_vault):
    """How many passages hold a word (the rare-word rule of large vaults reads it) counts the live ones:
    a note edited again and again does not make the word it holds look common."""
    from vaultgraph.index.lexical import tokenize

    note = demo_vault / "methods" / "LoRA.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n- The quuxotic effect makes adapters forget.\n",
                    encoding="utf-8")
    index_vault(demo_vault)  # the base holds the word
    for i in range(3):
        note.write_text(note.read_text(encoding="utf-8") + f"\n- Edit {i}.\n", encoding="utf-8")
        index_vault(demo_vault)
    with sqlite3.connect(demo_vault / ".kg" / "index.sqlite") as conn:
        live = conn.execute("SELECT COUNT(*) FROM passages WHERE context || ' ' || text LIKE '%quuxotic%'").fetchone()[0]
        passages = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    assert live >= 1
    searcher = Searcher(demo_vault)
    searcher.ask("quuxotic effect", 3)
    (word,) = tokenize("quuxotic")
    assert searcher.segments.df(word) == live
    assert searcher.segments.documents() == passages
    assert searcher.segments.rare([word], live) == {word} and not searcher.segments.rare([word], live - 0.5)


def test_ask_on_search_files_of_an_older_kg_rebuilds_them_and_answers(demo_vault):
    import json
    import shutil

    from conftest import run_kg

    index_vault(demo_vault)
    m = meta(demo_vault)
    shutil.rmtree(demo_vault / ".kg" / "search" / f"links-{m['search_base']}")  # version 3 had no links
    with sqlite3.connect(demo_vault / ".kg" / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'search_version'")
    result = json.loads(run_kg("ask", "risks of LoRA on CoT", "--vault", str(demo_vault), "--json").stdout)
    assert result["answers"] and any(a["citations"][0]["path"] == "analyses/Риски LoRA для CoT.md"
                                     for a in result["answers"])
    assert meta(demo_vault)["search_version"] != "3"


@pytest.mark.parametrize("kind", ["exact", "ivf", "hnsw written by an earlier version",
                                  "float32 ivf written by an earlier version"])
def test_deleted_base_rows_are_left_out_inside_the_search_and_k_hits_still_come(tmp_path, monkeypatch, kind):
    """Asking the base for k plus every deleted row made an approximate search as slow as that k (questions
    slowed down edit after edit): the deleted rows are left out by the search itself, exact, IVF or an HNSW
    file of an earlier version alike, and every base row's vector can still be read back."""
    import numpy as np

    from vaultgraph.index import vectors as vectors_mod
    from vaultgraph.index.lexical import Lexical

    monkeypatch.setattr(vectors_mod, "APPROXIMATE_ABOVE", 10**9 if kind == "exact" else 10)
    rng = np.random.default_rng(3)
    data = rng.normal(size=(400, 16)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    rows = np.arange(400, dtype=np.int64) * 2 + 7
    faiss = vectors_mod._faiss()
    # files written by earlier versions (an HNSW graph, then float32 inverted lists) must still be searched
    if kind.startswith("hnsw"):
        old = faiss.IndexIDMap2(faiss.IndexHNSWFlat(16, 32, faiss.METRIC_INNER_PRODUCT))
    elif kind.startswith("float32"):
        old = faiss.IndexIDMap2(vectors_mod.ivf_index(faiss, data, 20, half=False))
    if kind in ("exact", "ivf"):
        vectors_mod.build(data, rows, tmp_path / "v.faiss")
    else:
        old.add_with_ids(data, rows)
        faiss.write_index(old, str(tmp_path / "v.faiss"))
    index = vectors_mod.load(tmp_path / "v.faiss")
    inner = faiss.downcast_index(index.index.index)
    assert type(inner).__name__ == {"exact": "IndexFlatIP", "ivf": "IndexIVFScalarQuantizer",
                                    "hnsw": "IndexHNSWFlat"}.get(kind.split()[0], "IndexIVFFlat")
    query = data[0]
    nearest = [r for r, _ in index.search(query, 50)]
    assert nearest[0] == rows[0]
    dead = np.asarray(nearest[:30], dtype=np.int64)
    hits = index.search(query, 20, index.excluding(dead))
    assert len(hits) == 20 and not set(dead.tolist()) & {r for r, _ in hits}
    assert [r for r, _ in hits][:10] == nearest[30:40]  # the next nearest, in order
    # an IVF holds float16 vectors: read back to float16's precision (a dense score moves by < 1e-3)
    assert np.allclose(index.reconstruct([int(rows[5]), int(rows[399])]), data[[5, 399]], atol=1e-3, rtol=0)

    lexical = Lexical(None, rows)
    assert lexical.documents_of(dead).tolist() == sorted(((dead - 7) // 2).tolist())


def test_a_large_delta_adds_its_best_candidates_as_all_of_them_would():
    """A delta of thousands of passages hands a search its k best (ties with the k-th included), so the merged
    top k, ties broken by row, is the one every delta passage would have given."""
    import numpy as np

    from vaultgraph.index.delta import _best

    rng = np.random.default_rng(7)
    for n, k in ((5_000, 100), (300, 100), (80, 100), (1_000, 1)):
        scores = rng.integers(0, 40, n).astype(np.float32) / 40  # many ties, at the k-th too
        rows = rng.permutation(n) + 1_000
        base = [(int(r), float(s)) for r, s in zip(rng.integers(0, 999, k), rng.random(k))]
        every = sorted(base + list(zip(rows.tolist(), scores.tolist())), key=lambda h: (-h[1], h[0]))[:k]
        found = _best(scores, k)
        best = sorted(base + list(zip(rows[found].tolist(), scores[found].tolist())), key=lambda h: (-h[1], h[0]))[:k]
        assert best == every
        assert len(found) < n or n <= k


def test_the_delta_postings_are_each_tokens_documents_and_term_frequencies():
    import random
    from collections import Counter

    import numpy as np

    from vaultgraph.index.delta import postings

    rng = random.Random(3)
    words = ["lora", "риск", "", "cot", "forgetting", "ранг", "x"]
    documents = [[rng.choice(words) for _ in range(rng.randrange(0, 12))] for _ in range(300)] + [[], [""], ["a"]]
    expected: dict[str, tuple[list[int], list[float]]] = {}
    for i, tokens in enumerate(documents):
        for token, tf in Counter(tokens).items():
            if token:
                expected.setdefault(token, ([], []))[0].append(i)
                expected[token][1].append(float(tf))
    found = postings(documents)
    assert set(found) == set(expected) and "" not in found
    for token, (docs, tfs) in expected.items():
        assert found[token][0].tolist() == docs and found[token][1].tolist() == tfs
        assert found[token][0].dtype == np.int64 and found[token][1].dtype == np.float64
    assert postings([]) == {} and postings([[], [""]]) == {}
