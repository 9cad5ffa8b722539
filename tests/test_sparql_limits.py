"""`kg sparql` under hostile queries (issue 14, item 4): SERVICE refused wherever it hides, nesting refused
before anything parses it, a time, a row and a memory limit, rows streamed as they come — locally and
against a real SPARQL server. Every case runs the real `kg` under a time bound and its peak memory (the
largest of kg and its query process) under a bound; stderr never holds a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import KG, run_kg
from test_remote_store import oxigraph_server  # noqa: F401 - the real server fixture

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # ~500M rows on the demo vault
ENDLESS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MIB = 2**20

_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
r = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))
print(json.dumps({"code": r.returncode, "out": r.stdout.decode("utf-8", "replace"),
                  "err": r.stderr.decode("utf-8", "replace"), "seconds": time.perf_counter() - started,
                  "peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def kg(*args: str, seconds: float = 60, memory: int = 600 * MIB) -> dict:
    """Run kg; assert it ended within ``seconds`` and its largest process stayed under ``memory`` bytes."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    env.setdefault("KG_MODEL", "fake")
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(seconds), str(KG), *args], capture_output=True,
                          text=True, env=env, timeout=seconds + 30)
    result = json.loads(done.stdout)
    assert result["seconds"] < seconds, result["seconds"]
    assert result["peak"] < memory, f"peak {result['peak'] / MIB:.0f} MiB"
    assert "Traceback" not in result["err"], result["err"]
    return result


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    from conftest import demo_copy

    return demo_copy(tmp_path_factory.mktemp("sparql") / "vault", index=True)


class Listener:
    """A TCP port that records every connection: where SERVICE would have sent the query."""

    def __init__(self, answer: bool = False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.connections.append(conn.recv(4096))
            except OSError:
                self.connections.append(b"")
            # never answers: a server that hangs


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "select * where { { SELECT ?s WHERE { sErViCe SILENT <{url}/> { ?s ?p ?o } } } }",
    "PREFIX ex: <{url}/> SELECT * WHERE { ?s ?p ?o . SERVICE ex:sparql { ?s ?p ?x } }",
    "SELECT * WHERE { ?s ?p \"a\\\"\" SERVICE <{url}/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}/> { ?s ?p ?o } }",
    "SELECT * WHERE {#\nSERVICE<{url}/>{?s ?p ?o}}",
], ids=["plain", "subquery-any-case", "prefixed-iri", "after-an-escaped-quote", "codepoint-escape", "no-spaces"])
def test_service_is_refused_and_nothing_is_sent(vault, query):
    listener = Listener()
    result = kg("sparql", query.replace("{url}", listener.url), "--vault", str(vault), seconds=30)
    assert result["code"] == 2 and "SERVICE is refused" in result["err"] and not result["out"]
    time.sleep(0.2)
    assert listener.connections == []


def test_service_is_refused_before_a_remote_endpoint_sees_it(vault):
    listener, target = Listener(), Listener()
    query = f"SELECT * WHERE {{ SERVICE <{target.url}/> {{ ?s ?p ?o }} }}"
    result = kg("sparql", query, "--vault", str(vault), "--endpoint", listener.url, seconds=30)
    assert result["code"] == 2 and "SERVICE is refused" in result["err"]
    time.sleep(0.2)
    assert listener.connections == [] and target.connections == []


def test_the_word_service_elsewhere_is_a_query_like_any_other(vault):
    query = ('PREFIX service: <https://vaultgraph.dev/ns#> SELECT ?service WHERE { ?service service:text ?t '
             'FILTER(CONTAINS(LCASE(?t), "service")) } # SERVICE <http://example.org/>')
    assert kg("sparql", query, "--vault", str(vault), seconds=30)["code"] == 0


@pytest.mark.parametrize("query, words", [
    ("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "deeper than 64"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }", "deeper than 64"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 100_000) + ") }", "operators"),
    ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }", "operators"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 100_000 + "true) }", "operators"),
], ids=["10000-braces", "10000-parentheses", "100000-or", "20000-unions", "100000-nots"])
def test_nesting_is_refused_before_parsing(vault, tmp_path, query, words):
    file = tmp_path / "query.rq"  # too long for an argument list: the command reads the file
    file.write_text(query, encoding="utf-8")
    result = kg("sparql", str(file), "--vault", str(vault), seconds=30)
    assert result["code"] == 2 and words in result["err"], result["err"]


def test_nesting_within_the_limit_runs(vault):
    query = "SELECT (COUNT(*) AS ?n) WHERE " + "{" * 40 + " ?s a ?t " + "}" * 40
    result = kg("sparql", query, "--vault", str(vault), "--json", seconds=30)
    assert result["code"] == 0 and int(json.loads(result["out"])["results"]["bindings"][0]["n"]["value"]) > 100


def test_a_query_past_its_time_limit_is_stopped(vault):
    result = kg("sparql", ENDLESS_COUNT, "--vault", str(vault), "--timeout", "2", seconds=20)
    assert result["code"] == 2 and "time limit (2 s" in result["err"]


def test_a_query_past_its_memory_limit_is_stopped(vault):
    result = kg("sparql", CARTESIAN + " ORDER BY ?c ?f", "--vault", str(vault), "--max-memory", "200",
                seconds=60, memory=500 * MIB)
    assert result["code"] == 2 and "more than 200 MiB" in result["err"]


def test_rows_stop_at_the_row_limit(vault):
    result = kg("sparql", CARTESIAN, "--vault", str(vault), "--max-rows", "1000", seconds=30)
    lines = result["out"].splitlines()
    assert result["code"] == 0 and lines[0] == "a\tb\tc\td\te\tf" and len(lines) == 1 + 1000 + 1
    assert "stopped after 1,000 rows (--max-rows)" in result["err"]
    default = kg("sparql", CARTESIAN, "--vault", str(vault), "--json", seconds=60)  # the default limit: 100,000
    assert len(json.loads(default["out"])["results"]["bindings"]) == 100_000
    assert "stopped after 100,000 rows" in default["err"]


def test_rows_are_printed_as_they_come(vault):
    """The first rows of an endless query reach the terminal within seconds, long before it ends."""
    import os

    started = time.perf_counter()
    proc = subprocess.Popen([str(KG), "sparql", CARTESIAN, "--vault", str(vault), "--max-rows", "0", "--timeout",
                             "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "KG_MODEL": "fake"})
    try:
        header, first = proc.stdout.readline(), proc.stdout.readline()
        arrived = time.perf_counter() - started
        assert header.startswith(b"a\tb\tc") and first.count(b"\t") == 5
        assert arrived < 10 and proc.poll() is None  # still running: the rows were not held back
    finally:
        proc.kill()
        proc.wait()


def test_a_remote_endpoint_that_never_answers_is_stopped_at_the_time_limit(vault):
    hanging = Listener()
    result = kg("sparql", "SELECT * WHERE { ?s ?p ?o }", "--vault", str(vault), "--endpoint", hanging.url,
                "--timeout", "2", seconds=20)
    assert result["code"] == 2 and "time limit" in result["err"] and hanging.connections


def test_a_remote_endpoint_streams_under_the_row_limit(oxigraph_server, vault, tmp_path):  # noqa: F811
    import shutil

    remote = tmp_path / "remote"
    shutil.copytree(vault, remote, ignore=shutil.ignore_patterns(".kg"))
    run_kg("index", str(remote), "--endpoint", oxigraph_server)
    result = kg("sparql", CARTESIAN, "--vault", str(remote), "--endpoint", oxigraph_server, "--max-rows", "500",
                seconds=60)
    assert result["code"] == 0 and len(result["out"].splitlines()) == 1 + 500 + 1
    count = kg("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }", "--vault", str(remote), "--endpoint",
               oxigraph_server, "--json", seconds=60)
    assert int(json.loads(count["out"])["results"]["bindings"][0]["n"]["value"]) > 100


@pytest.mark.parametrize("query", ["LOAD <http://example.org/x>", "PREFIX a: <x:>\nDELETE WHERE { ?s ?p ?o }",
                                   "# a comment\nclear all", "WITH <x:g> INSERT { <a:b> <a:c> <a:d> } WHERE {}"])
def test_updates_stay_refused(vault, query):
    result = kg("sparql", query, "--vault", str(vault), seconds=30)
    assert result["code"] == 2 and "read-only" in result["err"]


def test_syntax_errors_and_engine_errors_are_one_line(vault):
    result = kg("sparql", "SELECT * WHERE { ?s ?p", "--vault", str(vault), seconds=30)
    assert result["code"] == 2 and result["err"].startswith("kg: SPARQL syntax error") \
        and len(result["err"].strip().splitlines()) == 1
