"""``kg check`` on ordinary vaults (issue 14, item 7): the shapes match what extraction makes of any vault, findings
are shown at ``path:line`` (never as percent-encoded IRIs), all of them with ``--limit``, and the exit code says
0 clean, 1 findings, 2 cannot run. Each run is bounded in time and memory (``bounded``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from bounded import kg_bounded
from conftest import FIXTURES, demo_copy, run_kg

HELP_VAULT = FIXTURES / "obsidian_help"
VG = "https://vaultgraph.dev/ns#"


def _help_vault(tmp_path: Path) -> Path:
    vault = tmp_path / "help"
    shutil.copytree(HELP_VAULT, vault)
    return vault


def test_check_exits_0_on_an_obsidian_style_vault_with_ordinary_warning_callouts(tmp_path):
    # Before: every `> [!warning]` not about a known concept became a vg:Risk without vg:about: 11 violations, rc 1.
    vault = _help_vault(tmp_path)
    run_kg("index", str(vault))
    result = kg_bounded("check", "--vault", str(vault), "--json", seconds=60)
    data = json.loads(result.out)
    assert result.code == 0, result.err
    assert data["conforms"] is True and data["violations"] == []
    text = kg_bounded("check", "--vault", str(vault), seconds=60)
    assert text.code == 0 and "SHACL conforms" in text.out
    # the warnings are still read as claims at their lines, only not as risks about nothing
    rows = json.loads(run_kg("sparql", f"SELECT ?line WHERE {{ ?c a <{VG}Claim> ; <{VG}span> ?s . "
                             f"?s <{VG}path> \"Callouts.md\" ; <{VG}startLine> ?line }}", "--vault", str(vault),
                             "--json").stdout)["results"]["bindings"]
    assert {13, 16, 19} <= {int(r["line"]["value"]) for r in rows}


def test_a_risks_section_about_nothing_known_is_no_violation(tmp_path):
    vault = tmp_path / "garden"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Roses.md").write_text("# Roses\n\n## Risks\n\n- Watering at noon scorches the leaves.\n"
                                    "- Frost kills young shoots.\n", encoding="utf-8")
    run_kg("index", str(vault))
    result = kg_bounded("check", "--vault", str(vault), "--json", seconds=60)
    assert result.code == 0 and json.loads(result.out)["violations"] == [], result.out[:2000]


def _break_the_graph(vault: Path, path: str, lines: list[int]) -> None:
    """Claims typed vg:Risk about nothing, written straight into the note's graph (as a faulty extractor would:
    the store's graph and the index's copy of it alike, ``graph.copies``)."""
    import sqlite3

    from vaultgraph.graph import copies
    from vaultgraph.graph.build import claim_iri, note_iri
    from vaultgraph.graph.store import LocalGraph

    graph = LocalGraph(vault)
    note = note_iri(path)
    quads = []
    for line in lines:
        claim, span = claim_iri(f"{path}#L{line}-{line}-broken"), claim_iri(f"{path}#span-{line}-broken")
        quads += [ox.Quad(claim, ox.NamedNode(f"{VG}{p}"), o, note) for p, o in (
            ("text", ox.Literal(f"broken claim {line}")), ("span", span), ("inNote", note))]
        quads += [ox.Quad(claim, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(VG + kind), note) for kind in ("Claim", "Risk")]
        quads.append(ox.Quad(span, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                             ox.NamedNode(VG + "Span"), note))
        quads += [ox.Quad(span, ox.NamedNode(f"{VG}{p}"), o, note) for p, o in (
            ("path", ox.Literal(path)), ("startLine", ox.Literal(str(line), datatype=ox.NamedNode(
                "http://www.w3.org/2001/XMLSchema#integer"))), ("endLine", ox.Literal(str(line), datatype=ox.NamedNode(
                    "http://www.w3.org/2001/XMLSchema#integer"))))]
    graph.store.extend(quads)
    graph.store.flush()
    conn = sqlite3.connect(vault / ".kg" / "index.sqlite")
    conn.execute("UPDATE note_graphs SET ntriples = ? WHERE path = ?", (copies.pack(graph.graph_ntriples(note.value)),
                                                                          path))
    conn.commit()
    conn.close()
    del graph


def test_check_findings_are_path_line_all_of_them_with_limit_and_exit_1(tmp_path):
    vault = _help_vault(tmp_path)
    russian = vault / "Заметки" / "Резервные копии.md"
    russian.parent.mkdir()
    russian.write_text("# Резервные копии\n\nХраните копию заметок на другом диске.\n", encoding="utf-8")
    run_kg("index", str(vault))
    path = "Заметки/Резервные копии.md"
    _break_the_graph(vault, path, list(range(1, 26)))
    result = kg_bounded("check", "--vault", str(vault), "--limit", "3", seconds=60)
    assert result.code == 1, result.err
    shown = [line.strip() for line in result.out.splitlines() if line.strip().startswith("Violation:")]
    assert shown == [f"Violation: {path}:{n}: A vg:Risk must have at least one vg:about pointing to a vg:Method or "
                     f"skos:Concept. (vg:about)" for n in (1, 2, 3)], result.out
    assert "… 22 more" in result.out and "%" not in result.out and "https://" not in result.out
    everything = kg_bounded("check", "--vault", str(vault), "--limit", "0", seconds=60)
    assert everything.code == 1 and sum(line.strip().startswith("Violation:")
                                        for line in everything.out.splitlines()) == 25
    assert "more (--limit" not in everything.out
    data = json.loads(kg_bounded("check", "--vault", str(vault), "--json", seconds=60).out)
    assert data["conforms"] is False and len(data["violations"]) == 25
    assert {(v["path"], v["line"]) for v in data["violations"]} == {(path, n) for n in range(1, 26)}


def test_check_exit_2_when_it_cannot_run(tmp_path):
    result = kg_bounded("check", "--vault", str(tmp_path / "missing"), seconds=30)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    result = kg_bounded("check", "--limit", "-1", "--vault", str(tmp_path), seconds=30)
    assert result.code == 2


def test_check_reports_the_health_parts_error_as_one_line_from_its_own_process(tmp_path):
    import sqlite3

    vault = demo_copy(tmp_path / "vault", index=True)
    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:  # as an index written by an older kg
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'reason_version'")
    run = run_kg("check", "--vault", str(vault), check=False)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "holds no reasoning data of this kg version: run `kg index`" in run.stderr


def test_beside_runs_in_another_process_raises_its_error_and_falls_back_when_the_answer_cannot_travel():
    import os
    import threading

    from vaultgraph.runtime import beside

    assert beside(os.getpid)() != os.getpid()
    with pytest.raises(ZeroDivisionError):
        beside(divmod, 1, 0)()
    here = beside(threading.Lock)()  # a lock cannot be pickled: made in the caller instead
    assert here.acquire(blocking=False)
