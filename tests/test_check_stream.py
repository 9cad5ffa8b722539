"""``kg export`` and ``kg check`` one note's graph at a time (issue 12, item 6): the export is the store's content,
each triple once, in every format; the check finds what SHACL over the whole graph finds, stores its results
per note, and a re-check after an edit validates only the notes whose graph changed while still reporting the
others' stored findings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.compare import isomorphic

from bounded import kg_bounded
from conftest import demo_copy, run_kg
from test_check_vaults import _break_the_graph

SCHEMA = Path(__file__).resolve().parent.parent / "schema"
SCHEMA_GRAPH = "https://vaultgraph.dev/graph/schema"


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    return demo_copy(tmp_path_factory.mktemp("stream") / "vault", index=True)


def _store_content(vault: Path, with_schema: bool = False) -> Graph:
    """Every triple of the store's graphs (notes', and the schema's if asked), read straight from Oxigraph."""
    meta = sqlite3.connect(f"file:{vault / '.kg' / 'index.sqlite'}?mode=ro", uri=True)
    folder = dict(meta.execute("SELECT key, value FROM meta")).get("graph_dir", "graph")
    meta.close()
    store = ox.Store.read_only(str(vault / ".kg" / folder))
    nt = ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, None)
                       if with_schema or q.graph_name != ox.NamedNode(SCHEMA_GRAPH)), format=ox.RdfFormat.N_TRIPLES)
    del store
    return Graph().parse(data=nt, format="nt")


def test_every_export_format_is_the_store_content_each_triple_once(vault, tmp_path):
    content = _store_content(vault)
    assert len(content) > 10_000
    for fmt, parse_as in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        out = tmp_path / f"g.{fmt}"
        run = kg_bounded("export", "--format", fmt, "--out", str(out), "--vault", str(vault), seconds=60)
        assert run.code == 0, run.err
        assert isomorphic(Graph().parse(out, format=parse_as), content), fmt
        assert not list(tmp_path.glob(".*kg-part")), "the partial file is renamed, never left behind"
    lines = (tmp_path / "g.nt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)) == len(content)  # a source cited by several notes: one line
    with_schema = run_kg("export", "--format", "nt", "--with-schema", "--vault", str(vault)).stdout
    assert isomorphic(Graph().parse(data=with_schema, format="nt"), _store_content(vault, with_schema=True))
    # stdout gives the same bytes as --out, and a second export the same again
    assert run_kg("export", "--format", "nt", "--vault", str(vault)).stdout == (tmp_path / "g.nt").read_text("utf-8")


def test_graphml_has_a_node_for_every_iri_and_an_edge_for_every_link_between_them(vault, tmp_path):
    import networkx as nx

    out = tmp_path / "g.graphml"
    assert kg_bounded("export", "--format", "graphml", "--out", str(out), "--vault", str(vault), seconds=60).code == 0
    g = nx.read_graphml(out)
    content = _store_content(vault)
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF

    iris = {str(x) for s, p, o in content for x in (s, o) if isinstance(x, URIRef) and not
            (p == RDF.type and x == o)}
    assert set(g.nodes) == iris
    edges = {(str(s), str(o)) for s, p, o in content if p != RDF.type and not isinstance(o, Literal)}
    assert {(a, b) for a, b, _ in g.edges} == edges
    assert all(data.get("label") for _, data in g.nodes(data=True))
    note = "https://vaultgraph.dev/vault/methods/LoRA.md"
    assert "Note" in g.nodes[note]["type"].split() and g.nodes[note]["path"] == "methods/LoRA.md"


def _whole_graph_shacl(vault: Path) -> set[tuple[str, str, str]]:
    """What pyshacl finds over the whole exported graph with the ontology and concept scheme: the reference."""
    from pyshacl import validate

    data = Graph().parse(data=run_kg("export", "--format", "nt", "--with-schema", "--vault", str(vault)).stdout,
                         format="nt")
    _, report, _ = validate(data, shacl_graph=Graph().parse(SCHEMA / "shapes.ttl"), inference="none",
                            allow_warnings=True)
    sh = Namespace("http://www.w3.org/ns/shacl#")
    return {(str(report.value(r, sh.focusNode)), str(report.value(r, sh.resultMessage)),
             str(report.value(r, sh.resultSeverity)).rsplit("#", 1)[-1])
            for r in report.subjects(sh.resultSeverity, None)}


def _check(vault: Path) -> dict:
    run = kg_bounded("check", "--vault", str(vault), "--json", seconds=120)
    assert run.code in (0, 1), run.err
    data = json.loads(run.out)
    assert run.code == (0 if data["conforms"] else 1)
    return data


def _found(data: dict) -> set[tuple[str, str, str]]:
    return {(v["focus"], v["message"], v["severity"]) for v in data["violations"]}


def _graph_keys(vault: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{vault / '.kg' / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT path, graph_key FROM notes WHERE record IS NOT NULL"))
    finally:
        conn.close()


def test_check_finds_what_shacl_over_the_whole_graph_finds_and_rechecks_only_changed_notes(tmp_path):
    vault = demo_copy(tmp_path / "vault", index=True)
    broken, edited = "methods/QLoRA.md", "methods/LoRA.md"
    _break_the_graph(vault, broken, [3, 5, 8])  # three risks about nothing, straight into one note's graph
    first = _check(vault)
    assert first["conforms"] is False and first["shapes_checked"]["validated"] == first["shapes_checked"]["notes"]
    assert _found(first) == _whole_graph_shacl(vault)
    assert {(v["path"], v["line"]) for v in first["violations"] if v["severity"] == "Violation"} == \
        {(broken, 3), (broken, 5), (broken, 8)}
    # nothing changed: nothing validated, the same report
    again = _check(vault)
    assert again["shapes_checked"]["validated"] == 0 and again["violations"] == first["violations"]
    # one note edited and indexed: only the notes whose graph the index rewrote are validated; the broken
    # note's stored findings are still reported
    keys = _graph_keys(vault)
    with (vault / edited).open("a", encoding="utf-8") as f:
        f.write("\n\n## Risks\n\n- LoRA adapters can overfit a small dataset.\n")
    run_kg("index", str(vault))
    changed = {p for p, k in _graph_keys(vault).items() if keys.get(p) != k}
    assert edited in changed and len(changed) < len(keys) // 2
    after = _check(vault)
    assert after["shapes_checked"]["validated"] == len(changed)
    assert _found(after) == _whole_graph_shacl(vault) == _found(first)
    # editing the broken note rewrites its graph: its violations go
    with (vault / broken).open("a", encoding="utf-8") as f:
        f.write("\nOne more line.\n")
    run_kg("index", str(vault))
    fixed = _check(vault)
    assert fixed["conforms"] is True and fixed["shapes_checked"]["validated"] >= 1
    assert _found(fixed) == _whole_graph_shacl(vault)


def test_a_check_while_the_index_is_being_written_reports_and_stores_nothing(tmp_path):
    from vaultgraph.store.sqlite import locked

    vault = demo_copy(tmp_path / "vault", index=True)
    _break_the_graph(vault, "methods/DPO.md", [4])
    with locked(vault):  # as a running `kg index` holds it
        data = _check(vault)
    assert data["conforms"] is False and data["shapes_checked"]["validated"] == data["shapes_checked"]["notes"]
    conn = sqlite3.connect(f"file:{vault / '.kg' / 'index.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT COUNT(*) FROM shape_results").fetchone()[0]
    except sqlite3.OperationalError:
        rows = 0
    conn.close()
    assert rows == 0
    stored = _check(vault)  # the lock is free: this one stores, the next reads
    assert _found(stored) == _found(data)
    assert _check(vault)["shapes_checked"]["validated"] == 0


def test_the_worker_processes_each_reading_the_store_find_what_one_process_finds(tmp_path, monkeypatch):
    from vaultgraph.service import shaping

    vault = demo_copy(tmp_path / "vault", index=True)
    _break_the_graph(vault, "methods/QLoRA.md", [3, 5])

    def fresh(parallel: int) -> tuple[list[dict], int]:
        conn = sqlite3.connect(vault / ".kg" / "index.sqlite")
        conn.execute("DELETE FROM shape_results")
        conn.commit()
        conn.close()
        monkeypatch.setattr(shaping, "PARALLEL", parallel)
        results, validated, notes = shaping.shape_results(vault)
        assert validated == notes > 40
        return sorted((r.to_dict() for r in results), key=json.dumps), notes

    one, notes = fresh(10**6)
    two, _ = fresh(1)  # two workers, each opening the store the check read
    assert two == one and sum(r["severity"] == "Violation" for r in one) == 2
    assert _found(_check(vault)) == {(r["focus"], r["message"], r["severity"]) for r in one}


def _copies(vault: Path) -> dict[str, tuple[str, str | None, bytes | None]]:
    """Each indexed note's graph_key, and the key and N-Triples of the index's copy of its graph."""
    from vaultgraph.graph import copies

    conn = sqlite3.connect(f"file:{vault / '.kg' / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return {p: (k, ck, copies.unpack(data) if data else None) for p, k, ck, data in conn.execute(
            "SELECT n.path, n.graph_key, g.graph_key, g.ntriples FROM notes n LEFT JOIN note_graphs g USING (path) "
            "WHERE n.record IS NOT NULL")}
    finally:
        conn.close()


def test_the_check_reads_each_notes_copy_of_its_graph_only_under_the_notes_key(tmp_path):
    """The index keeps each note's graph beside the store (``graph.copies``) and ``kg check`` reads it: after a
    first index, an edit and a deletion every copy holds what the store holds, each triple once; a copy under
    another key than the note's (as an older ``kg`` rewriting the graph leaves it), or one this version cannot
    read, is not used: the store is."""
    from vaultgraph.graph import copies
    from vaultgraph.graph.build import note_iri
    from vaultgraph.graph.store import open_graph

    vault = demo_copy(tmp_path / "vault", index=True)
    with (vault / "methods/LoRA.md").open("a", encoding="utf-8") as f:
        f.write("\n\n## Risks\n\n- LoRA adapters can overfit a small dataset.\n")
    (vault / "methods/DPO.md").unlink()
    run_kg("index", str(vault))
    kept = _copies(vault)
    assert "methods/DPO.md" not in kept and len(kept) > 40
    graph = open_graph(vault, readonly=True)
    for path, (key, copy_key, data) in kept.items():
        assert copy_key == key, path
        lines = data.splitlines()
        assert len(lines) == len(set(lines)) and set(lines) == set(graph.graph_ntriples(note_iri(path).value).splitlines())
    del graph
    assert _check(vault)["conforms"] is True
    # a copy saying more than the store: read under the note's key, left aside under any other
    note, (key, _, data) = "methods/QLoRA.md", kept["methods/QLoRA.md"]
    claim = f"<{note_iri(note).value}#L2-2-stale>"
    extra = "".join(f"{claim} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://vaultgraph.dev/ns#{k}> .\n"
                    for k in ("Claim", "Risk")).encode()

    def copy_under(copy_key: str, blob: bytes | None = None) -> dict:
        conn = sqlite3.connect(vault / ".kg" / "index.sqlite")
        conn.execute("UPDATE note_graphs SET graph_key = ?, ntriples = ? WHERE path = ?",
                     (copy_key, blob or copies.pack(data + extra), note))
        conn.execute("DELETE FROM shape_results")
        conn.commit()
        conn.close()
        return _check(vault)

    assert copy_under(key + "-older")["conforms"] is True
    assert copy_under(key, b"x\x9c not what this version writes")["conforms"] is True  # unreadable: the store
    read = copy_under(key)
    assert read["conforms"] is False and {v["focus"] for v in read["violations"]} == {claim[1:-1]}
