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
