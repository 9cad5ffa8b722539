"""The same store contract checked on both backends: the embedded ``LocalGraph`` and ``RemoteGraph``
talking HTTP to a real Oxigraph server (the ``oxigraph`` package's executable, started here on a free
loopback port for this module and stopped at its end; the module is skipped if it is not installed).

Default graph: both backends query the union of all graphs. The server is started WITHOUT
``--union-default-graph`` on purpose: ``RemoteGraph`` asks for the union itself on every query (Oxigraph's
``union-default-graph`` URL parameter), just as ``LocalGraph`` passes ``use_default_graph_as_union=True``,
so the very same query text (with or without ``GRAPH ?g``) answers the same on both.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from vaultgraph.graph.build import note_iri
from vaultgraph.graph.remote import RemoteError, RemoteGraph, RemoteUnavailable
from vaultgraph.graph.store import LocalGraph, ReadOnlyQuery

EX = "http://example.org/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
A, B = "Projects/Alpha note.md", "Заметки/Бета.md"


def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def quads_for(path: str, label: str, version: int) -> list[ox.Quad]:
    g = note_iri(path)
    return [
        ox.Quad(g, RDFS_LABEL, ox.Literal(label, language="ru" if "Бета" in label else "en"), g),
        ox.Quad(g, _p("version"), ox.Literal(str(version), datatype=XSD_INT), g),
        ox.Quad(g, _p("mentions"), _p(f"topic{version}"), g),
        ox.Quad(_p(f"topic{version}"), RDFS_LABEL, ox.Literal(f"topic {version} of {label}"), g),
    ]


# -- the server ------------------------------------------------------------------------------------
def _oxigraph_executable() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, body: str, content_type: str) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory) -> str:
    exe = _oxigraph_executable()
    if exe is None:
        pytest.skip("the `oxigraph` server executable is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph")
    base = f"http://127.0.0.1:{_free_port()}"
    log = (location / "server.log").open("wb")
    proc = subprocess.Popen([exe, "serve", "--location", str(location / "db"), "--bind", base[len("http://"):]],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited with {proc.returncode}: {(location / 'server.log').read_text()}")
            try:
                _post(base + "/query", "ASK {}", "application/sparql-query")
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph did not answer at {base} within 30 s") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _remote(base: str) -> RemoteGraph:
    _post(base + "/update", "DROP ALL", "application/sparql-update")  # every test starts from an empty store
    return RemoteGraph(base, timeout=10)


@pytest.fixture(params=["local", "remote"])
def graph(request, tmp_path):
    if request.param == "local":
        return LocalGraph(tmp_path)
    return _remote(request.getfixturevalue("oxigraph_server"))


def _two_notes(graph) -> None:
    graph.replace_note(A, quads_for(A, "Alpha", 1))
    graph.replace_note(B, quads_for(B, "Бета", 2))
    graph.flush()


def _rows(result) -> set[tuple]:
    names = [v.value for v in result.variables]
    return {tuple(solution[name] for name in names) for solution in result}


# -- the contract, on both backends ------------------------------------------------------------------
def test_replace_note_replaces_only_that_note(graph):
    _two_notes(graph)
    assert set(graph.quads()) == set(quads_for(A, "Alpha", 1)) | set(quads_for(B, "Бета", 2))
    graph.replace_note(A, quads_for(A, "Alpha again", 3))
    assert set(graph.quads()) == set(quads_for(A, "Alpha again", 3)) | set(quads_for(B, "Бета", 2))
    assert not graph.query(f"ASK {{ ?s ?p <{EX}topic1> }}")  # the old triples are gone


def test_remove_note(graph):
    _two_notes(graph)
    graph.remove_note(A)
    assert set(graph.quads()) == set(quads_for(B, "Бета", 2))
    graph.remove_note(A)  # again: nothing to do, no error
    graph.remove_note("never/indexed.md")
    graph.replace_note(B, [])  # no quads: the note's graph disappears, as in the local store
    assert list(graph.quads()) == []


def test_schema_concepts(graph):
    _two_notes(graph)
    graph.load_schema()
    graph.load_schema()  # replaced, not doubled
    result = graph.query("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                         "SELECT (COUNT(*) AS ?n) WHERE { ?c a skos:Concept }")
    assert int(next(iter(result))["n"].value) > 80
    assert len(set(graph.quads())) == 8  # the schema is left out by default
    assert len(set(graph.quads(include_schema=True))) > 500


def test_select_sees_all_note_graphs_as_default_graph(graph):
    _two_notes(graph)
    union = graph.query(f"SELECT ?note ?label WHERE {{ ?note <{EX}version> ?v ; <{RDFS_LABEL.value}> ?label }}")
    assert [v.value for v in union.variables] == ["note", "label"]
    assert _rows(union) == {(note_iri(A), ox.Literal("Alpha", language="en")),
                            (note_iri(B), ox.Literal("Бета", language="ru"))}
    named = graph.query(f"SELECT ?g ?v WHERE {{ GRAPH ?g {{ ?g <{EX}version> ?v }} }}")
    assert _rows(named) == {(note_iri(A), ox.Literal("1", datatype=XSD_INT)),
                            (note_iri(B), ox.Literal("2", datatype=XSD_INT))}


def test_ask(graph):
    _two_notes(graph)
    assert bool(graph.query(f"ASK {{ ?s <{EX}mentions> <{EX}topic2> }}")) is True
    assert bool(graph.query(f"ASK {{ ?s <{EX}mentions> <{EX}topic9> }}")) is False


def test_construct(graph):
    _two_notes(graph)
    result = graph.query(f"CONSTRUCT {{ ?t <{EX}mentionedBy> ?note }} WHERE {{ ?note <{EX}mentions> ?t }}")
    assert isinstance(result, ox.QueryTriples)  # what the CLI checks before writing N-Triples
    assert set(result) == {ox.Triple(_p("topic1"), _p("mentionedBy"), note_iri(A)),
                           ox.Triple(_p("topic2"), _p("mentionedBy"), note_iri(B))}


@pytest.mark.parametrize("update", [
    f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}",
    "# comment\nPREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
])
def test_update_is_refused(graph, update):
    _two_notes(graph)
    with pytest.raises(ReadOnlyQuery):
        graph.query(update)
    assert len(set(graph.quads())) == 8


# -- both backends side by side, and the remote's errors ------------------------------------------------
def test_backends_answer_alike(tmp_path, oxigraph_server):
    local, remote = LocalGraph(tmp_path), _remote(oxigraph_server)
    for g in (local, remote):
        _two_notes(g)
        g.load_schema()
    for sparql in ["SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }",
                   "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                   "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]:
        assert _rows(local.query(sparql)) == _rows(remote.query(sparql)), sparql
    local_quads, remote_quads = set(local.quads(include_schema=True)), set(remote.quads(include_schema=True))
    assert len(local_quads) == len(remote_quads)
    assert _ground(local_quads) == _ground(remote_quads)  # blank nodes get new labels on each store


def _ground(quads: set[ox.Quad]) -> set[ox.Quad]:
    return {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def test_remote_errors_name_the_endpoint(oxigraph_server):
    with pytest.raises(RemoteError, match=f"{oxigraph_server}/query answered 400"):
        _remote(oxigraph_server).query("SELECT WHERE nonsense")
    port = _free_port()
    with pytest.raises(RemoteUnavailable, match=f"127.0.0.1:{port}/query is unreachable"):
        RemoteGraph(f"http://127.0.0.1:{port}", timeout=2).query("ASK {}")
    with pytest.raises(RemoteUnavailable, match=f"127.0.0.1:{port}/store is unreachable"):
        RemoteGraph(f"http://127.0.0.1:{port}", timeout=2).replace_note(A, quads_for(A, "Alpha", 1))


def test_kg_index_and_query_through_a_real_server(oxigraph_server, demo_vault, tmp_path):
    """The whole pipeline against the server: `kg index --endpoint`, then the same answers as locally."""
    import json
    import shutil

    from conftest import run_kg

    local = tmp_path / "local"
    shutil.copytree(demo_vault, local)
    _post(oxigraph_server + "/update", "DROP ALL", "application/sparql-update")
    count = ("PREFIX vg: <https://vaultgraph.dev/ns#> "
             "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a vg:Risk ; vg:about ?m }")
    run_kg("index", str(demo_vault), "--endpoint", oxigraph_server)
    run_kg("index", str(local))
    remote_n = json.loads(run_kg("sparql", count, "--vault", str(demo_vault), "--json",
                                 env={"KG_ENDPOINT": oxigraph_server}).stdout)
    local_n = json.loads(run_kg("sparql", count, "--vault", str(local), "--json").stdout)
    n = remote_n["results"]["bindings"][0]["n"]["value"]
    assert int(n) > 50 and n == local_n["results"]["bindings"][0]["n"]["value"]
    remote_ttl = run_kg("export", "--vault", str(demo_vault), "--endpoint", oxigraph_server).stdout
    assert remote_ttl == run_kg("export", "--vault", str(local)).stdout
    # kg check reads each note's graph from the server (Graph Store GET) as it does from the local store
    checks = [json.loads(run_kg("check", "--vault", str(v), "--json", *extra, check=False).stdout)
              for v, extra in ((demo_vault, ("--endpoint", oxigraph_server)), (local, ()))]
    assert checks[0]["violations"] == checks[1]["violations"]
    assert checks[0]["shapes_checked"] == checks[1]["shapes_checked"] and checks[0]["shapes_checked"]["notes"] > 40
    assert not (demo_vault / ".kg" / "graph").exists()  # the graph went to the server, not to disk
