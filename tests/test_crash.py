"""`kg index` killed with SIGKILL at random points: readers keep the last complete index, the next run
completes, and what it builds equals a clean build."""

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import vaultgen
from conftest import KG, REPO, run_kg
from test_incremental import clean_build, snapshot

MARK = "zorblatt"


def _marked_passages(vault):
    with sqlite3.connect(f"file:{vault / '.kg' / 'index.sqlite'}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM passages WHERE text LIKE ?", (f"%{MARK}%",)).fetchone()[0]


def _answers(vault):
    result = run_kg("ask", f"{MARK} finding", "--vault", str(vault), "--json")
    return json.loads(result.stdout)["answers"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_at_random_points_never_breaks_the_index(tmp_path):
    vault = tmp_path / "vault"
    vaultgen.generate(vault, 80, seed=7)
    started = time.perf_counter()
    run_kg("index", str(vault))
    full_run = time.perf_counter() - started
    assert _marked_passages(vault) == 0 and _answers(vault) == []

    notes = sorted(vault.rglob("*.md"))
    changed = notes[::3]
    for i, note in enumerate(changed):
        note.write_text(note.read_text(encoding="utf-8", errors="replace")
                        + f"\n\n- The {MARK} finding number {i} holds for this note.\n", encoding="utf-8")
    for note in notes[1::17]:
        note.unlink()

    rng = random.Random(20261201)
    env = {"KG_MODEL": "fake"}
    for trial in range(4):
        proc = subprocess.Popen([str(KG), "index", str(vault)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**__import__("os").environ, **env})
        time.sleep(rng.uniform(0.05, 0.9) * full_run)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # the index is the last complete one: all of the old vault, or all of the new one
        marked = _marked_passages(vault)
        assert marked in (0,) or marked >= len(changed), (trial, marked)
        answers = _answers(vault)  # readers work, whatever the moment of the kill
        assert (marked == 0) == (answers == []), (trial, marked, answers[:1])
        if marked:
            break

    run_kg("index", str(vault))
    assert _marked_passages(vault) >= len(changed)
    assert _answers(vault)
    assert snapshot(vault) == clean_build(vault, tmp_path)
