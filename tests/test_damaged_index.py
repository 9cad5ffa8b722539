"""A damaged index (issue 14, item 10): each file cut short or garbled is detected, `kg index` rebuilds it and
says so, `kg ask` gives the answers of the whole index again, and no command shows a traceback meanwhile.

One test per damage: the SQLite index (cut short, emptied, its header overwritten), the FAISS file, the BM25
vocabulary, the concept links, a search delta; plus `kg index --rebuild`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import demo_copy, run_kg
from vaultgraph.cli.app import main

QUESTION = "risks of LoRA on CoT"


def half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def garble(path: Path, at: int | None = None) -> None:
    """Same size, other bytes (4 KiB at ``at``, default a third of the way in): what sizes alone cannot tell."""
    data = bytearray(path.read_bytes())
    at = len(data) // 3 if at is None else at
    data[at:at + 4096] = b"\xa5" * len(data[at:at + 4096])
    path.write_bytes(bytes(data))


def _only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


DAMAGE = {
    "index-sqlite-cut-short": lambda kg: half(kg / "index.sqlite"),
    "index-sqlite-emptied": lambda kg: os.truncate(kg / "index.sqlite", 0),
    "index-sqlite-overwritten-header": lambda kg: garble(kg / "index.sqlite", at=0),
    "faiss-file": lambda kg: half(_only(kg / "search", "vectors-*.faiss")),
    "bm25-vocabulary": lambda kg: half(_only(kg / "search", "bm25-*") / "vocab.index.json"),
    "concept-links-rows": lambda kg: half(_only(kg / "search", "links-*") / "rows.npy"),
    "concept-links-names": lambda kg: half(_only(kg / "search", "links-*") / "concepts.json"),
    "delta-arrays": lambda kg: half(_only(kg / "search", "delta-*.npz")),
    "delta-tokens": lambda kg: half(_only(kg / "search", "delta-*.json")),
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, Path, str]:
    """The demo vault indexed with a search delta (one note edited after the base), its .kg kept aside."""
    vault = demo_copy(tmp_path_factory.mktemp("damage") / "vault", index=True)
    with open(vault / "methods" / "DPO.md", "a", encoding="utf-8") as f:
        f.write("\n- DPO overfits short preference sets, a finding written after the base.\n")
    report = json.loads(run_kg("index", str(vault), "--json").stdout)
    assert report["search"]["rebuilt"] and report["graph"]["extracted"] == 1
    good = vault.parent / "good-kg"
    shutil.copytree(vault / ".kg", good)
    answers = run_kg("ask", QUESTION, "--vault", str(vault), "--json").stdout
    return vault, good, answers


def _restore(vault: Path, good: Path) -> None:
    shutil.rmtree(vault / ".kg")
    shutil.copytree(good, vault / ".kg")


def _kg(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """The console script's main in this process: an exception escaping it is a traceback for the user."""
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["kg", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_detected_and_rebuilt(indexed, damage, capsys, monkeypatch):
    vault, good, answers = indexed
    v = str(vault)
    readers = [("ask", QUESTION, "--vault", v, "--json"), ("search", "LoRA", "--vault", v), ("status", "--vault", v),
               ("links", "--vault", v, "--json"), ("sparql", "ASK { ?s ?p ?o }", "--vault", v),
               ("export", "--vault", v, "--format", "nt"), ("why", "LoRA", "CoT", "--vault", v)]
    for args in readers:  # on the damaged index, each command works or says in one line what is wrong
        _restore(vault, good)
        DAMAGE[damage](vault / ".kg")
        code, out, err = _kg(capsys, monkeypatch, *args)
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, (args, err)
        assert code == 0 or ("damaged" in err and "kg index" in err), (args, code, err)
        if args[0] == "ask" and code == 0:
            assert json.loads(out) == json.loads(answers) and "damaged" in err  # rebuilt first, and said so

    _restore(vault, good)
    DAMAGE[damage](vault / ".kg")
    code, out, err = _kg(capsys, monkeypatch, "index", v)
    assert code == 0 and "damaged" in out and "rebuilt" in out, (out, err)
    assert run_kg("ask", QUESTION, "--vault", v, "--json").stdout == answers
    report = json.loads(run_kg("index", v, "--json").stdout)  # repaired for good: the next run has nothing to do
    assert report["parsed"] == 0 and not report["search"]["rebuilt"] and report["reason"] is None


def test_rebuild_repairs_what_sizes_cannot_tell(indexed, capsys, monkeypatch):
    """A search file garbled in place keeps its size: readers name the damage and `kg index --rebuild`
    rebuilds everything (readers keep the old index until it commits)."""
    vault, good, answers = indexed
    _restore(vault, good)
    garble(_only(vault / ".kg" / "search", "bm25-*") / "vocab.index.json")
    code, out, err = _kg(capsys, monkeypatch, "search", "LoRA", "--vault", str(vault))
    assert code == 2 and "damaged" in err and "kg index --rebuild" in err and "Traceback" not in err
    result = run_kg("index", str(vault), "--rebuild", "--json")
    report = json.loads(result.stdout)
    assert report["parsed"] == report["notes"] and report["graph"]["full"] and report["search"]["rebuilt"]
    assert "rebuild" in report["reason"]
    assert run_kg("ask", QUESTION, "--vault", str(vault), "--json").stdout == answers


def test_checking_the_index_for_damage_keeps_the_readers_locks(tmp_path):
    """Closing any descriptor of a file drops the process's POSIX locks on it, SQLite's too: a reader that
    checked the header with open()/close() let the next writer delete the write-ahead log under it, and it
    read a malformed database from then on (seen with kg serve beside kg index --rebuild)."""
    import sqlite3
    import subprocess
    import sys

    from vaultgraph.layout import index_db as db_path
    from vaultgraph.store.sqlite import damage

    vault = demo_copy(tmp_path / "vault", index=True)
    path = db_path(vault)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] > 0
    for _ in range(3):
        assert damage(path) is None
    write = ("import sqlite3, sys; w = sqlite3.connect(sys.argv[1], isolation_level=None); "
             "w.execute('PRAGMA journal_mode=WAL'); w.execute(\"INSERT OR REPLACE INTO meta VALUES ('probe', '1')\"); "
             "w.close()")
    subprocess.run([sys.executable, "-c", write, str(path)], check=True)
    assert Path(f"{path}-shm").exists()  # the writer knew it was not the last user
    subprocess.run([sys.executable, "-c", write.replace("'1'", "'2'"), str(path)], check=True)
    assert conn.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0] == "2"
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
