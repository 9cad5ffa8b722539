"""``kg index`` with nothing changed answers without importing the pipeline, and says exactly what the full run
says; any change, or anything a full run would act on, takes the full run."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import run_kg

from vaultgraph.service.unchanged import unchanged_report

HEAVY = ("numpy", "rdflib", "markdown_it", "pyoxigraph", "yaml", "torch")

# The real `kg` entry point in a process that says, on exit, which heavy modules it imported. With --full first,
# the no-change path is switched off, so the same process runs what `kg index` ran before it existed.
ENTRY = f"""
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nimported: " + " ".join(m for m in {HEAVY!r} if m in sys.modules) + "\\n"))
if sys.argv[1] == "--full":
    import vaultgraph.service.unchanged as unchanged
    unchanged.unchanged_report = lambda *args, **kwargs: None
    del sys.argv[1]
sys.argv[0] = "kg"
from vaultgraph.cli.app import main
main()
"""


def kg(*args, full=False):
    """(exit code, stdout, heavy modules imported) of ``kg ARGS`` (``full``: without the no-change path)."""
    env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    env["KG_MODEL"] = "fake"
    result = subprocess.run([sys.executable, "-c", ENTRY, *(["--full"] if full else []), *args], capture_output=True,
                            text=True, env=env, timeout=300)
    imported = re.findall(r"^imported: ?(.*)$", result.stderr, re.M)
    assert imported, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, imported[-1].split()


def same_report(text: str) -> str:
    """A report with its timings left out (the one thing two runs may not share)."""
    return re.sub(r"in \d+\.\d\d s", "in N s", text)


def same_json(text: str) -> dict:
    data = json.loads(text)
    data["seconds"] = None
    data["stages"] = sorted(data["stages"])  # the stages a run reports, not their seconds
    if data["search"]:
        data["search"]["seconds"] = sorted(data["search"]["seconds"])
    return data


def index_state(vault) -> dict:
    """What the index holds that a run may write (its time aside)."""
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        state = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                 for table in ("notes", "files", "skipped", "links", "passages", "graph_journal")}
        state["meta"] = dict(conn.execute("SELECT key, value FROM meta WHERE key != 'indexed_at'").fetchall())
    kg_dir = vault / ".kg"
    state["kg"] = sorted(p.relative_to(kg_dir).as_posix() for p in (*kg_dir.iterdir(), *(kg_dir / "search").iterdir())
                         if not p.name.startswith(("index.sqlite", "embeddings.sqlite", "lock")))
    return state


def indexed_at(vault) -> float:
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        return float(conn.execute("SELECT value FROM meta WHERE key = 'indexed_at'").fetchone()[0])


@pytest.fixture
def indexed(demo_vault, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("not in the vault\n", encoding="utf-8")
    (demo_vault / "archive" / "outside.md").symlink_to(outside)  # a skipped file, listed with its reason
    (demo_vault / "archive" / "long heading.md").write_text(  # a note a limit of one note cut, reported as such
        "# " + "LoRA " * 300 + "\n\n- LoRA may hurt CoT.\n", encoding="utf-8")
    run_kg("index", str(demo_vault))
    return demo_vault


def test_nothing_changed_gives_the_full_runs_report_without_importing_the_pipeline(indexed):
    before, at = index_state(indexed), indexed_at(indexed)
    code, text, imported = kg("index", str(indexed))
    assert code == 0 and imported == []
    assert "48 notes (0 parsed, 48 unchanged, 0 removed)" in text and "skipped: 1" in text
    assert "indexed in part archive/long heading.md: archive/long heading.md:1: a heading over 1,000" in text
    assert index_state(indexed) == before and indexed_at(indexed) > at  # kg status: "indexed N s ago"
    full_code, full_text, full_imported = kg("index", str(indexed), full=True)
    assert full_code == 0 and {"numpy", "pyoxigraph", "markdown_it"} <= set(full_imported)
    assert same_report(text) == same_report(full_text)
    assert index_state(indexed) == before

    code, fast, imported = kg("index", "--vault", str(indexed), "--json")
    _, full, _ = kg("index", "--vault", str(indexed), "--json", full=True)
    assert code == 0 and imported == []
    assert same_json(fast) == same_json(full)
    assert json.loads(fast)["search"] == {"passages": json.loads(full)["search"]["passages"], "embedded": 0,
                                          "model": "fake", "rebuilt": False, "seconds": {}, "warning": None,
                                          "reason": None, "embed_workers": 1, "pending": 0}


def _touch(vault):
    note = vault / "methods" / "LoRA.md"
    os.utime(note, ns=(note.stat().st_atime_ns, note.stat().st_mtime_ns + 10**9))


def _edit(vault):
    note = vault / "methods" / "DPO.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n- DPO can over-fit tiny preference sets.\n", encoding="utf-8")


def _add(vault):
    (vault / "inbox.md").write_text("# Inbox\n\nSee [[LoRA]] and [[Zeta method]].\n", encoding="utf-8")


def _remove(vault):
    (vault / "summaries" / "Alignment methods digest.md").unlink()


def _attachment_changed(vault):
    (vault / "attachments" / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)


def _attachment_added(vault):
    shutil.copy(vault / "attachments" / "diagram.png", vault / "attachments" / "diagram 2.png")


def _skipped_changed(vault):
    (vault / "archive" / "outside.md").unlink()


def _meta(**values):
    def change(vault):
        with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
            conn.executemany("UPDATE meta SET value = ? WHERE key = ?", [(v, k) for k, v in values.items()])
    return change


def _status(status):
    def change(vault):
        with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
            conn.execute("UPDATE notes SET status = ?, reason = 'cannot read: test' WHERE path = 'methods/LoRA.md'",
                         (status,))
    return change


def _stale_graph_folder(vault):
    (vault / ".kg" / "graph-0").mkdir()


def _no_concepts_cache(vault):
    (vault / ".kg" / "concepts.json").unlink()


def _earlier_concepts_cache(vault):  # of kg before the built index was kept: readers would build it each time
    cache = vault / ".kg" / "concepts.json"
    cache.write_text(json.dumps({**json.loads(cache.read_text(encoding="utf-8")), "format": "concepts-1"}))


def _search_garbage(vault):
    (vault / ".kg" / "search" / "bm25-0").mkdir()


def _search_file_cut(vault):
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        files = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'search_files'").fetchone()[0])
    name = next(n for n in sorted(files) if files[n] > 16)
    with open(vault / ".kg" / "search" / name, "r+b") as handle:
        handle.truncate(files[name] // 2)


def _no_names_key(vault):
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        conn.execute("DELETE FROM meta WHERE key = 'names_key'")


def _pending_journal(vault):
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        state = int(conn.execute("SELECT value FROM meta WHERE key = 'graph_state'").fetchone()[0])
        conn.execute("UPDATE meta SET value = ? WHERE key = 'graph_state'", (str(state + 1),))


CHANGES = {
    "touched note": _touch, "edited note": _edit, "added note": _add, "removed note": _remove,
    "changed attachment": _attachment_changed, "added attachment": _attachment_added,
    "skipped file gone": _skipped_changed,
    "parser version": _meta(parser_version="0"),
    "extraction rules version": _meta(extract_version="0", graph_signature="x"),
    "reasoning version": _meta(reason_version="0", graph_signature="x"),
    "search version": _meta(search_version="0"),
    "no names key": _no_names_key,
    "vectors pending": _meta(vectors_pending="12", model_id=""),  # a base committed before its vectors
    "failed note": _status("failed"), "note to retry": _status("retry"),
    "no concepts cache": _no_concepts_cache, "earlier concepts cache": _earlier_concepts_cache,
    "search file cut short": _search_file_cut,
    "graph journal not applied": _pending_journal,
}


@pytest.mark.parametrize("change", CHANGES)
def test_anything_to_do_takes_the_full_run_and_then_nothing_is_left(indexed, change):
    assert unchanged_report(indexed) is not None
    CHANGES[change](indexed)
    assert unchanged_report(indexed) is None
    from vaultgraph.service import index_vault

    index_vault(indexed)  # what `kg index` then runs
    assert unchanged_report(indexed) is not None  # the full run left nothing to do


def test_old_store_folders_and_search_generations_are_deleted_as_a_full_run_deletes_them(indexed):
    """A full run's new graph store folder or search generation leaves the old one to readers of the last run;
    the next writer deletes it, the no-change path too."""
    _stale_graph_folder(indexed), _search_garbage(indexed)
    (indexed / ".kg" / "search" / "delta-0.npz").write_bytes(b"old")
    assert unchanged_report(indexed) is not None
    assert not (indexed / ".kg" / "graph-0").exists()
    assert not (indexed / ".kg" / "search" / "bm25-0").exists()
    assert not (indexed / ".kg" / "search" / "delta-0.npz").exists()
    assert (indexed / ".kg" / "search" / "embeddings.sqlite").exists()
    assert run_kg("ask", "--vault", str(indexed), "risks of LoRA").returncode == 0


def test_edits_in_a_row_leave_the_next_run_nothing_to_do(indexed):
    for n in range(3):  # each run after the first writes a new search delta; the one before is garbage
        note = indexed / "methods" / "DPO.md"
        note.write_text(note.read_text(encoding="utf-8") + f"\n- DPO edit {n}.\n", encoding="utf-8")
        assert kg("index", str(indexed))[2] != []
        code, text, imported = kg("index", str(indexed))
        assert code == 0 and imported == [] and "0 parsed" in text


def test_another_model_a_rebuild_or_another_store_takes_the_full_run(indexed):
    assert unchanged_report(indexed, model="fake") is not None
    assert unchanged_report(indexed, model="fake-64") is None
    assert unchanged_report(indexed, rebuild=True) is None
    assert unchanged_report(indexed, endpoint="http://127.0.0.1:9/sparql") is None  # the signature names the store
    assert unchanged_report(indexed.parent / "not-indexed") is None
    assert not (indexed.parent / "not-indexed" / ".kg").exists()


@pytest.mark.parametrize("change", ["edited note", "added note", "removed note", "changed attachment",
                                    "parser version", "extraction rules version", "failed note"])
def test_after_a_change_kg_index_ends_where_it_did_before_the_no_change_path(indexed, tmp_path, change):
    twin = tmp_path / "twin"
    shutil.copytree(indexed, twin, symlinks=True)  # the index too: both start from the same state
    for vault in (indexed, twin):
        CHANGES[change](vault)
    for path in indexed.rglob("*"):  # the same mtimes in both (the index records them)
        if ".kg" not in path.parts and path.is_file() and not path.is_symlink():
            os.utime(twin / path.relative_to(indexed), ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    code, text, imported = kg("index", str(indexed), "--json")
    twin_code, twin_text, _ = kg("index", str(twin), "--json", full=True)
    assert code == twin_code == 0 and "numpy" in imported  # the full run
    ours, theirs = same_json(text), same_json(twin_text)
    ours.pop("root"), theirs.pop("root")
    assert ours == theirs
    state, twin_state = index_state(indexed), index_state(twin)
    for key in ("names_key", "indexed_at"):  # drawn at random / the clock
        state["meta"].pop(key, None), twin_state["meta"].pop(key, None)
    assert state == twin_state


def test_a_no_change_run_is_timed_as_a_whole_process(indexed):
    """The whole process, start-up included, stays near `kg --help` (the CLI's floor) on the demo vault."""
    def wall(*args):
        started = time.perf_counter()
        run_kg(*args)
        return time.perf_counter() - started

    floor = min(wall("--help") for _ in range(3))
    no_change = min(wall("index", str(indexed)) for _ in range(3))
    assert no_change < floor + 0.2, (no_change, floor)  # the full run: ~0.33 s over it
