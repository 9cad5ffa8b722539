"""A comparison of hub methods reads part of its cells on a second thread (``reason.cells.read_methods``): the table
is the one a single thread reads, and a second thread that would read another snapshot of the index, or fails,
leaves its share to the caller.

The demo vault, with ``SPLIT_ABOVE`` at 0 so that every comparison takes the second thread.
"""

from __future__ import annotations

import threading

import pytest
from conftest import demo_copy

from vaultgraph import reason
from vaultgraph.reason import cells

COMPARISONS = (["LoRA", "QLoRA"], ["LoRA", "full fine-tuning", "DPO"], ["DPO", "RLHF", "LoRA", "QLoRA"])


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    return demo_copy(tmp_path_factory.mktemp("threads") / "vault", index=True)


def _tables(vault, limit=reason.CELL_LIMIT) -> list[dict]:
    rg = reason.load(vault)
    try:
        return [reason.compare(rg, methods, limit).to_dict() for methods in COMPARISONS]
    finally:
        rg.conn.close()


def _threads(monkeypatch) -> list[str]:
    """The names of the threads that read a method's cells, from now on."""
    seen, read = [], cells.method_cells

    def spy(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return read(*args, **kwargs)

    monkeypatch.setattr(cells, "method_cells", spy)
    return seen


def test_a_second_thread_reads_the_same_table(vault, monkeypatch):
    alone = _tables(vault)
    whole = _tables(vault, None)
    monkeypatch.setattr(cells, "SPLIT_ABOVE", 0)
    seen = _threads(monkeypatch)
    assert _tables(vault) == alone and _tables(vault, None) == whole
    assert any(name != threading.current_thread().name for name in seen), seen  # it did take part
    assert sum(len(items) for table in alone for row in table["rows"] for items in row["cells"].values()) > 20


def test_a_second_thread_on_another_snapshot_leaves_its_share_to_the_caller(vault, monkeypatch):
    alone = _tables(vault)
    monkeypatch.setattr(cells, "SPLIT_ABOVE", 0)
    real = cells._snapshot
    main = threading.current_thread()

    def moved(conn):  # as if `kg index` committed between the two connections' first reads
        return real(conn) if threading.current_thread() is main else "a later index"

    monkeypatch.setattr(cells, "_snapshot", moved)
    seen = _threads(monkeypatch)
    assert _tables(vault) == alone
    assert set(seen) == {main.name}, seen


def test_a_failing_second_thread_leaves_its_share_to_the_caller(vault, monkeypatch):
    alone = _tables(vault)
    monkeypatch.setattr(cells, "SPLIT_ABOVE", 0)
    read, main = cells.method_cells, threading.current_thread()

    def broken(*args, **kwargs):
        if threading.current_thread() is not main:
            raise OSError("disk I/O error")
        return read(*args, **kwargs)

    monkeypatch.setattr(cells, "method_cells", broken)
    assert _tables(vault) == alone


def test_an_index_of_the_earlier_layout_gets_the_covering_concept_index_and_the_same_tables(tmp_path):
    """An index written before ``passage_concepts_cover`` gets it on the next `kg index` (the concept-only index
    dropped); a concept's claims are then read from the index alone, and the comparisons are the same."""
    import sqlite3

    from conftest import run_kg

    from vaultgraph.reason.cells import own_rows

    vault = demo_copy(tmp_path / "vault", index=True)
    db = vault / ".kg" / "index.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX passage_concepts_cover")
        conn.execute("CREATE INDEX passage_concepts_concept ON passage_concepts(concept)")
    before = _tables(vault)
    run_kg("index", str(vault))
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        q, args = own_rows("LoRA", "method", "risk")
        plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + q, args))
    assert "passage_concepts_cover" in names and "passage_concepts_concept" not in names
    assert "COVERING INDEX passage_concepts_cover" in plan, plan
    assert _tables(vault) == before
