"""Hostile requests to a real ``kg serve``: path traversal in every parameter and in the path itself, huge
bodies and queries, SPARQL updates and SERVICE, other hosts and origins, binding beyond the loopback without
a token. Each gets a 4xx (or an answer that reads nothing outside the vault) and changes nothing."""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from conftest import run_kg
from serving import Served

MARKER = "TOPSECRET-7f3a"  # in files outside the vault only


@pytest.fixture
def hostile(demo_vault, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"# Secret\n\n{MARKER} LoRA risks of the neighbour.\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text(f"{MARKER}\n", encoding="utf-8")
    os.symlink(outside / "secret.md", demo_vault / "leak.md")  # symlinks out of the vault: never followed
    os.symlink(outside, demo_vault / "methods" / "leakdir")
    with Served(demo_vault) as served:
        yield served, demo_vault, tmp_path


def raw(served: Served, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
        body_late: bytes | None = None):
    """One request exactly as written (no client-side normalising); (status, headers, body). ``body_late`` is
    sent after the answer was read (as a client waiting for ``100 Continue`` would): the server answers a
    request it refuses from its headers alone."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in {"Host": f"127.0.0.1:{served.port}", **(headers or {})}.items():
            conn.putheader(key, value)
        conn.endheaders()
        if body:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        sock = conn.sock
        response = conn.getresponse()
        answer = response.status, dict(response.getheaders()), response.read()
        if body_late:
            try:
                sock.sendall(body_late)
            except OSError:
                pass  # the server closed the connection: it reads no body
        return answer
    finally:
        conn.close()


def fingerprint(vault: Path) -> dict[str, str]:
    """Every file of the vault (not .kg/) by content."""
    out = {}
    for path in sorted(vault.rglob("*")):
        rel = path.relative_to(vault)
        if rel.parts[0] == ".kg" or path.is_symlink() or not path.is_file():
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def state(served: Served, vault: Path) -> tuple:
    status = served.get("/api/status")[1]
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    triples = served.get("/api/sparql?" + urlencode({"query": query}))[1]["results"]["bindings"][0]["n"]["value"]
    return fingerprint(vault), status["notes"], status["search"], status["indexed_at"], triples


PAYLOADS = ["../secret.md", "../../secret.md", "../outside/secret.md", "/etc/passwd", "leak.md", "leak",
            "methods/leakdir/secret.md", "leakdir/secret", "methods/../../secret.md", "....//secret.md",
            "%2e%2e%2fsecret.md", "..\\secret.md", "methods/LoRA.md\x00../../secret.md", ".kg/server.json",
            ".obsidian/app.json", "~/secret.md", "file:///etc/passwd"]


def test_path_traversal_in_every_parameter_reads_nothing_outside(hostile):
    served, vault, tmp = hostile
    before = state(served, vault)
    assert any(p["path"] == "leak.md" for p in served.get("/api/status")[1]["problems"])  # skipped, with why
    for payload in PAYLOADS + [str(tmp / "secret.md"), str(tmp / "outside" / "secret.md")]:
        p = quote(payload, safe="")
        for route, must_refuse in ((f"/api/show?note={p}", True), (f"/api/context?path={p}&line=1", True),
                                   (f"/api/context?path={p}&line=3&end=3", True), (f"/api/ask?q={p}", False),
                                   (f"/api/search?q={p}", False), (f"/api/why?a={p}&b=CoT", True),
                                   (f"/api/why?a=LoRA&b={p}", True), (f"/api/compare?m={p}&m=LoRA", True),
                                   (f"/api/compare?m=LoRA&m={p}", True), (f"/api/ask?q=LoRA&top={p}", True),
                                   (f"/api/links?x={p}", False), (f"/api/status?note={p}", False),
                                   (f"/api/info?path={p}", False)):
            status, headers, body = raw(served, "GET", route)
            assert MARKER.encode() not in body and b"root:x:0" not in body, route
            assert b"Traceback" not in body, route
            if must_refuse:
                assert 400 <= status < 500, (route, status, body[:200])
            else:
                assert status in (200, 400), (route, status)
    for path in ("/static/../../secret.md", "/static/..%2f..%2fsecret.md", "/..%2f..%2fsecret.md", "//etc/passwd",
                 "/api/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/app.js/../../../secret.md",
                 "/static/%2e%2e/%2e%2e/outside/secret.md", "/leak.md", "/.kg/server.json", "/api/show/../../x"):
        status, _, body = raw(served, "GET", path)
        assert status == 404 and MARKER.encode() not in body and b"root:x:0" not in body, (path, status)
    # the cited-lines view reads an indexed note, inside the vault
    status, ok = served.get("/api/context?path=" + quote("methods/LoRA.md") + "&line=3")
    assert status == 200 and ok["path"] == "methods/LoRA.md" and ok["lines"]
    assert state(served, vault) == before


def test_huge_bodies_and_requests_are_refused_unread(hostile):
    served, vault, _ = hostile
    before = state(served, vault)
    status, _, body = raw(served, "POST", "/api/ask?q=x", {"Content-Length": str(50 * 2**20)},
                          body_late=b"x" * 2**20)
    assert status == 413 and b"error" in body
    assert raw(served, "GET", "/api/ask?q=LoRA", {"Content-Length": str(10**12)})[0] == 413
    assert raw(served, "GET", "/api/ask?q=LoRA", {"Transfer-Encoding": "chunked"})[0] == 413
    assert raw(served, "PUT", "/api/ask?q=LoRA", {"Content-Length": "3"}, b"abc")[0] == 405
    assert raw(served, "DELETE", "/api/status")[0] == 405
    assert raw(served, "GET", "/api/ask?q=" + "a" * 70_000)[0] in (400, 414)  # past the request line's limit
    assert raw(served, "GET", "/api/ask?q=" + "long%20" * 800)[0] == 400  # a question past 1,000 characters
    assert raw(served, "GET", "/api/ask?q=LoRA&" + "&".join(f"p{i}=1" for i in range(100)))[0] == 400
    assert raw(served, "GET", "/api/ask?q=%ff%fe")[0] == 400  # not UTF-8
    many = "&".join(f"m=M{i}" for i in range(10))
    assert raw(served, "GET", f"/api/compare?{many}")[0] == 400
    with socket.create_connection(("127.0.0.1", served.port)) as sock:  # headers without end
        sock.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Junk: " + b"j" * 70_000 + b"\r\n")
        assert sock.recv(100).split(b" ")[1].startswith(b"4")
    assert served.get("/api/status")[0] == 200  # still serving
    assert state(served, vault) == before


def test_sparql_is_read_only_and_refuses_service(hostile):
    served, vault, tmp = hostile
    before = state(served, vault)
    for query in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL", "DROP ALL",
                  f"LOAD <file://{tmp / 'secret.md'}>", "CREATE GRAPH <urn:g>",
                  "PREFIX x: <urn:> insert { ?s x:p 1 } WHERE { ?s ?p ?o }",
                  "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { { SELECT ?s WHERE { sErViCe <http://example.org/> { ?s ?p ?o } } } }",
                  "SELECT * WHERE { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
                  "SELECT * WHERE " + "{" * 200 + " ?s ?p ?o " + "}" * 200):
        status, body = served.get("/api/sparql?" + urlencode({"query": query}))
        assert 400 <= status < 500 and set(body) == {"error"}, (query, status, body)
    # a query past the engine's time limit is stopped (a web request runs under 10 s)
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    status, body = served.get("/api/sparql?" + urlencode({"query": endless}), timeout=90)
    assert status == 422 and "time" in body["error"], body
    assert state(served, vault) == before


def test_other_hosts_and_origins(hostile):
    served, _, _ = hostile
    status, _, _ = raw(served, "GET", "/api/status", {"Host": "evil.example"})  # DNS rebinding
    assert status == 403
    assert raw(served, "GET", "/api/status", {"Host": f"localhost:{served.port}"})[0] == 200
    status, headers, _ = raw(served, "GET", "/api/status", {"Origin": "http://evil.example"})
    assert status == 200 and not [h for h in headers if h.lower().startswith("access-control")]
    status, headers, _ = raw(served, "OPTIONS", "/api/ask?q=x", {"Origin": "http://evil.example",
                                                                 "Access-Control-Request-Method": "GET"})
    assert status == 405 and not [h for h in headers if h.lower().startswith("access-control")]
    status, headers, _ = raw(served, "GET", "/")
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"]


def test_binding_beyond_the_loopback_needs_a_token(demo_vault):
    for args in (("--host", "0.0.0.0"), ("--host", "::"), ("--host", "0.0.0.0", "--token", "short")):
        result = run_kg("serve", str(demo_vault), "--port", "0", *args, check=False)
        assert result.returncode == 2 and "--token" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (demo_vault / ".kg").exists()  # refused before anything was indexed or written

    token = "correct-horse-battery"
    with Served(demo_vault, "--host", "0.0.0.0", "--token", token) as served:
        assert served.get("/api/status")[0] == 401
        assert served.get("/api/status", token="wrong-token-123")[0] == 401
        assert served.get("/")[0] == 401
        status, body = served.get("/api/status", token=token)
        assert status == 200 and body["notes"] > 30
        assert served.get(f"/api/status?token={token}")[0] == 200
        # kg ask finds the server and its token in .kg/server.json
        before = sum(" GET /api/ask " in line for line in served.log)
        assert run_kg("ask", "risks of LoRA", "--vault", str(demo_vault), "--json", env={}).returncode == 0
        from serving import wait_for

        assert wait_for(lambda: sum(" GET /api/ask " in line for line in served.log) == before + 1, 2)[0]
