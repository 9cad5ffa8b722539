"""``kg serve`` as a user runs it: a real server process on the demo vault, asked over HTTP, compared with the
CLI; an edit answered without a restart; ``kg ask`` using the running server; one server per vault."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from conftest import run_kg
from serving import Served, wait_for

QUESTION = "risks of LoRA on CoT"
IN_PROCESS = {"KG_SERVER": "0"}  # the CLI answering in its own process, not through the server


def cli_json(vault: Path, *args: str, env: dict | None = None):
    return json.loads(run_kg(*args, "--vault", str(vault), "--json", env=env or IN_PROCESS).stdout)


def requests_of(served: Served, route: str, expected: int | None = None) -> int:
    """How many requests of ``route`` the server logged (waiting a little for ``expected``: the line is
    written once the answer was sent)."""
    def count() -> int:
        return sum(f" GET {route} " in line for line in served.log)

    if expected is not None:
        wait_for(lambda: count() >= expected, 2.0)
        time.sleep(0.1)
    return count()


@pytest.fixture
def served(demo_vault):
    with Served(demo_vault) as server:
        yield server


def test_every_route_gives_the_clis_json(served, demo_vault):
    v = demo_vault
    status, body = served.get(f"/api/ask?q={quote(QUESTION)}&top=5")
    assert status == 200
    assert body == cli_json(v, "ask", QUESTION, "--top", "5")
    assert body["answers"] and {a["role"] for a in body["answers"]} >= {"risk"}

    ru = "как бороться с катастрофическим забыванием"
    assert served.get("/api/ask?" + urlencode({"q": ru}))[1] == cli_json(v, "ask", ru)
    assert served.get("/api/search?" + urlencode({"q": "adapter rank", "top": 4}))[1] \
        == cli_json(v, "search", "adapter rank", "--top", "4")
    assert served.get("/api/why?a=LoRA&b=CoT")[1] == cli_json(v, "why", "LoRA", "CoT")
    compared = served.get("/api/compare?m=LoRA&m=QLoRA&m=DPO")[1]
    assert compared == cli_json(v, "compare", "LoRA", "QLoRA", "DPO")
    assert compared["methods"] == ["LoRA", "QLoRA", "DPO"]
    two = served.get("/api/compare?m=LoRA&m=QLoRA&limit=2")[1]  # statements a cell, as --limit / --all
    assert two == cli_json(v, "compare", "LoRA", "QLoRA", "--limit", "2")
    every = served.get("/api/compare?m=LoRA&m=QLoRA&limit=all")[1]
    assert every == cli_json(v, "compare", "LoRA", "QLoRA", "--all")
    assert max(len(i) for r in two["rows"] for i in r["cells"].values()) == 2
    assert two["rows"][0]["totals"] == every["rows"][0]["totals"]
    assert served.get("/api/show?note=LoRA")[1] == cli_json(v, "show", "LoRA")
    assert served.get("/api/links")[1] == cli_json(v, "links")

    def timeless(data: dict) -> dict:
        return {k: val for k, val in data.items() if k != "seconds_since_index"}

    assert timeless(served.get("/api/status")[1]) == timeless(cli_json(v, "status"))
    query = "PREFIX vg: <https://vaultgraph.dev/ns#> SELECT ?r WHERE { ?r a vg:Risk } ORDER BY ?r LIMIT 5"
    status, rows = served.get("/api/sparql?" + urlencode({"query": query}))
    assert status == 200 and rows == cli_json(v, "sparql", query) and len(rows["results"]["bindings"]) == 5
    # errors are JSON with a 4xx status
    status, body = served.get("/api/show?note=No%20such%20note")
    assert status == 404 and set(body) == {"error"} and "No such note" in body["error"]
    for route in ("/api/ask", "/api/ask?q=", "/api/ask?q=x&top=0", "/api/ask?q=x&top=many", "/api/compare?m=LoRA",
                  "/api/compare?m=LoRA&m=QLoRA&limit=0", "/api/compare?m=LoRA&m=QLoRA&limit=many",
                  "/api/why?a=LoRA", "/api/why?a=LoRA&b=CoT&paths=21", "/api/nope", "/nope"):
        status, body = served.get(route)
        assert 400 <= status < 500 and set(body) == {"error"}, (route, status, body)


def test_an_edit_is_answered_within_two_seconds_without_a_restart(served, demo_vault):
    question = "quokka transcripts marsupial jargon"
    before = served.get("/api/ask?" + urlencode({"q": question}))[1]
    assert not any("quokka" in a["text"].lower() for a in before["answers"])
    pid = served.proc.pid

    note = demo_vault / "methods" / "LoRA.md"
    sentence = "LoRA adapters trained on quokka transcripts drift toward marsupial jargon within three epochs."
    text = note.read_text(encoding="utf-8")
    note.write_text(text + f"\n## Quokka drift\n\n{sentence}\n", encoding="utf-8")
    lines = note.read_text(encoding="utf-8").split("\n")
    line = lines.index(sentence) + 1

    def answered():
        found = served.get("/api/ask?" + urlencode({"q": question}))[1]
        return next((a for a in found["answers"] if "quokka" in a["text"].lower()), None)

    answer, seconds = wait_for(answered, 10.0)
    assert answer is not None, served.log[-10:]
    assert seconds <= 2.0, f"the edit took {seconds:.2f} s to be answered"
    assert answer["text"] == sentence
    assert {"path": "methods/LoRA.md", "line": line, "end_line": line, "heading": "Quokka drift"} \
        in answer["citations"]
    assert served.proc.pid == pid and served.proc.poll() is None  # the same process, never restarted
    # and the CLI, through the server and alone, agrees
    assert cli_json(demo_vault, "ask", question, env={}) == cli_json(demo_vault, "ask", question)


def test_the_cli_uses_the_running_server_and_prints_the_same(served, demo_vault):
    v = str(demo_vault)
    for question in (QUESTION, "compare LoRA and QLoRA", "how does LoRA affect CoT", "pizza in Naples"):
        before = requests_of(served, "/api/ask")
        through = run_kg("ask", question, "--vault", v, env={})
        assert requests_of(served, "/api/ask", before + 1) == before + 1, question  # the server answered it
        alone = run_kg("ask", question, "--vault", v, env=IN_PROCESS)
        assert requests_of(served, "/api/ask", before + 1) == before + 1
        assert through.stdout == alone.stdout, question
        markdown = [run_kg("ask", question, "--vault", v, "--markdown", env=e).stdout for e in ({}, IN_PROCESS)]
        assert markdown[0] == markdown[1]
    before = requests_of(served, "/api/search")
    assert run_kg("search", "adapter rank", "--vault", v, env={}).stdout \
        == run_kg("search", "adapter rank", "--vault", v, env=IN_PROCESS).stdout
    assert requests_of(served, "/api/search", before + 1) == before + 1
    # kg why and kg compare too: the server's reasoning graph is loaded
    for route, args in (("/api/why", ("why", "LoRA", "CoT")), ("/api/why", ("why", "QLoRA", "forgetting")),
                        ("/api/compare", ("compare", "LoRA", "QLoRA", "DPO")),
                        ("/api/compare", ("compare", "LoRA", "QLoRA", "--markdown"))):
        before = requests_of(served, route)
        through = run_kg(*args, "--vault", v, env={})
        assert requests_of(served, route, before + 1) == before + 1, args
        assert through.stdout == run_kg(*args, "--vault", v, env=IN_PROCESS).stdout, args
        assert json.loads(run_kg(*args, "--vault", v, "--json", env={}).stdout) \
            == json.loads(run_kg(*args, "--vault", v, "--json", env=IN_PROCESS).stdout)
    # kg ask --save through the server writes the note it writes alone (on the same index: the saved note,
    # once indexed, changes the vault's word statistics)
    notes = served.get("/api/status")[1]["notes"]
    saved = demo_vault / "Answers" / "saved.md"
    texts = []
    for env in ({}, IN_PROCESS):
        before = requests_of(served, "/api/ask")
        run_kg("ask", QUESTION, "--vault", v, "--save", "Answers/saved.md", env=env)
        assert requests_of(served, "/api/ask", before + 1) == before + (not env)
        texts.append(saved.read_text(encoding="utf-8"))
        assert wait_for(lambda: served.get("/api/status")[1]["notes"] == notes + 1, 10)[0]
        saved.unlink()
        assert wait_for(lambda: served.get("/api/status")[1]["notes"] == notes, 10)[0]
    assert texts[0] == texts[1] and QUESTION in texts[0]
    # a concept the vault does not know: the same one-line error either way
    unknown = [run_kg("why", "Zzyzx", "CoT", "--vault", v, env=e, check=False) for e in ({}, IN_PROCESS)]
    assert unknown[0].returncode == unknown[1].returncode == 2 and unknown[0].stderr == unknown[1].stderr


def test_one_server_per_vault_and_kg_index_beside_it(served, demo_vault):
    info = json.loads((demo_vault / ".kg" / "server.json").read_text())
    assert info["port"] == served.port and info["pid"] == served.proc.pid
    assert (demo_vault / ".kg" / "server.json").stat().st_mode & 0o077 == 0  # may hold the token: owner only
    second = run_kg("serve", str(demo_vault), "--port", "0", check=False)
    assert second.returncode == 2 and "already serves" in second.stderr

    # another writer while the server watches: the flock keeps them apart, nothing is corrupted
    note = demo_vault / "methods" / "DPO.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nDPO wombat calibration needs a held-out set.\n",
                    encoding="utf-8")
    for args in ((), ("--rebuild",)):  # --rebuild: a new index file under the running server
        def indexed():
            result = run_kg("index", str(demo_vault), *args, env=IN_PROCESS, check=False)
            assert result.returncode == 0 or "another `kg` process is indexing" in result.stderr, result.stderr
            return result.returncode == 0  # refused while the server's watcher writes: tried again

        assert wait_for(indexed, 60, step=0.2)[0]
    found, _ = wait_for(lambda: any("wombat" in a["text"] for a in served.get(
        "/api/ask?" + urlencode({"q": "DPO wombat calibration"}))[1]["answers"]), 10)
    assert found
    assert served.get("/api/status")[1]["failed"] == 0
    assert cli_json(demo_vault, "ask", QUESTION) == served.get(f"/api/ask?q={quote(QUESTION)}")[1]

    assert served.stop() == 0
    assert not (demo_vault / ".kg" / "server.json").exists()
    # with no server, the CLI answers alone
    started = time.monotonic()
    assert run_kg("ask", QUESTION, "--vault", str(demo_vault), "--json", env={}).returncode == 0
    assert time.monotonic() - started < 60
