"""A delta's vectors are not rewritten by every run (``index/delta.py``): each generation writes the vectors of its
own new rows to a file of its own, and the delta says where each row's vector is. Past ``CHUNKS_MAX`` files, or
from a delta of the format before vector files, one run writes the live vectors into one file again. Whatever
the files, the delta holds the vectors a delta computed from scratch holds, and the answers stay the same."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from conftest import ask_once, run_kg

from vaultgraph import layout
from vaultgraph.index import delta
from vaultgraph.index.embedders import get_embedder
from vaultgraph.index.folders import load_arrays, save_arrays
from vaultgraph.service import index_vault

QUESTION = "risks of LoRA on CoT"


def _meta(vault) -> dict:
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def _current(vault) -> delta.Delta:
    return delta.load(layout.delta_file(vault, _meta(vault)["search_generation"]))


NOTES = ("QLoRA", "LoRA", "DPO", "PEFT", "Fine-tuning")


def _edit(vault, i: int) -> None:
    """Edit another note each time (an edited note's passages all get new rows: its earlier ones die)."""
    note = vault / "methods" / f"{NOTES[i % len(NOTES)]}.md"
    note.write_text(note.read_text(encoding="utf-8") + f"\n- [[QLoRA]] run {i} slows inference on old GPUs.\n",
                    encoding="utf-8")
    index_vault(vault)


def _answers(vault):
    return [a.to_dict() for a in ask_once(vault, QUESTION).answers]


def _vectors_of(vault, found: delta.Delta) -> np.ndarray:
    """The vectors of ``found``'s rows as the model computes them."""
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        texts = dict(conn.execute("SELECT row, text FROM passages"))
        contexts = dict(conn.execute("SELECT row, context FROM passages"))
    from vaultgraph.index.passages import search_text

    model = get_embedder(_meta(vault)["model_spec"])
    return model.embed_batch([search_text(contexts[r], texts[r]) for r in found.rows.tolist()])


def test_a_run_writes_only_its_own_rows_vectors(demo_vault):
    index_vault(demo_vault)
    sizes = []
    for i in range(3):
        _edit(demo_vault, i)
        found = _current(demo_vault)
        own = layout.search_dir(demo_vault) / layout.delta_vectors_name(found.chunks[-1])
        sizes.append(np.load(own).shape[0])
        assert int((found.chunk == len(found.chunks) - 1).sum()) == sizes[-1]
    assert len(found.chunks) >= 2 and max(sizes) < len(found.rows), (sizes, len(found.rows))
    assert np.allclose(found.vectors, _vectors_of(demo_vault, found), atol=1e-5)
    names = {p.name for p in layout.search_dir(demo_vault).iterdir()}
    assert {layout.delta_vectors_name(g) for g in found.chunks} <= names
    assert _meta(demo_vault)["delta_chunks"] == ",".join(found.chunks)


def test_past_chunks_max_files_one_run_writes_the_live_vectors_into_one(demo_vault, monkeypatch):
    monkeypatch.setattr(delta, "CHUNKS_MAX", 2)
    index_vault(demo_vault)
    for i in range(4):
        _edit(demo_vault, i)
        found = _current(demo_vault)
        assert 1 <= len(found.chunks) <= 2
        assert np.allclose(found.vectors, _vectors_of(demo_vault, found), atol=1e-5)
    run_kg("index", "--vault", str(demo_vault))  # garbage: the files no generation names any more
    names = {p.name for p in layout.search_dir(demo_vault).iterdir() if p.name.startswith("delta-vectors-")}
    assert names == {layout.delta_vectors_name(g) for g in _current(demo_vault).chunks}


def test_a_delta_of_the_format_before_vector_files_is_read_and_extended(demo_vault, tmp_path):
    index_vault(demo_vault)
    _edit(demo_vault, 0)
    before = _answers(demo_vault)
    path = layout.delta_file(demo_vault, _meta(demo_vault)["search_generation"])
    found = _current(demo_vault)
    arrays, names = load_arrays(path)
    arrays = {k: v for k, v in arrays.items() if k not in ("chunk", "at")}
    save_arrays(path, {**arrays, "vectors": found.vectors}, {"tokens": names["tokens"], "concepts": names["concepts"]})
    for chunk in found.chunks:
        (layout.search_dir(demo_vault) / layout.delta_vectors_name(chunk)).unlink()
    with sqlite3.connect(demo_vault / ".kg" / "index.sqlite") as conn:  # as the earlier kg left its meta
        from vaultgraph.index.generations import sizes

        m = {**_meta(demo_vault), "delta_chunks": ""}
        conn.execute("DELETE FROM meta WHERE key = 'delta_chunks'")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'search_files'", (json.dumps(sizes(demo_vault, m)),))
    assert _answers(demo_vault) == before
    _edit(demo_vault, 1)
    found = _current(demo_vault)
    assert len(found.chunks) == 1 and np.allclose(found.vectors, _vectors_of(demo_vault, found), atol=1e-5)


def test_a_missing_vector_file_is_damage_that_is_repaired(demo_vault):
    index_vault(demo_vault)
    _edit(demo_vault, 0)
    before = _answers(demo_vault)
    found = _current(demo_vault)
    name = layout.delta_vectors_name(found.chunks[-1])
    (layout.search_dir(demo_vault) / name).unlink()
    asked = run_kg("ask", QUESTION, "--vault", str(demo_vault), env={"KG_SERVER": "0"})
    assert f"search/{name} is missing" in asked.stderr and "rebuilt" in asked.stderr, asked.stderr
    assert _answers(demo_vault) == before
