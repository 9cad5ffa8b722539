"""No traceback reaches the user (issue 14): every command on every input of the hardening cases — names that read
as Rich markup or hold escape sequences, a folder that is not a vault, a missing one, ``/`` and ``''``, bad query
files, ``--out`` where nothing can be written, a 100 KB or empty question, markup as a concept name — exits 0, 1
(findings) or 2 with one line on stderr; stderr never holds "Traceback", nor the last-resort "unexpected error"
line (which would mean a case reached the catch-all instead of its own message). Each run bounded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bounded import kg_bounded
from conftest import DEMO_VAULT, FIXTURES, run_kg

NAMES = ("[/x] odd [b].md", "esc\x1b[2Jclear\x07.md", "Ок [bold]жирный[b].md")


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("inputs")
    names = base / "names [/i]"
    (names / ".obsidian").mkdir(parents=True)
    for i, name in enumerate(NAMES):
        path = names / name  # "[/x] odd [b].md" is the file "x] odd [b].md" in a folder named "["
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Note {i}\n\n## Risks\n\n- LoRA degrades CoT [i]{i}[/i] and [[QLoRA]] too.\n"
                        f"| [[LoRA|split]] | x |\n", encoding="utf-8")
    run_kg("index", str(names))
    help_vault = base / "help"
    shutil.copytree(FIXTURES / "obsidian_help", help_vault)
    demo = base / "demo"
    shutil.copytree(DEMO_VAULT, demo, ignore=shutil.ignore_patterns(".kg"))
    plain = base / "plain"
    plain.mkdir()
    (plain / "a.md").write_text("# A\n", encoding="utf-8")
    latin = base / "latin.rq"
    latin.write_bytes("ASK { ?s ?p \"é\" }".encode("latin-1"))
    return {"names": names, "help": help_vault, "demo": demo, "plain": plain, "missing": base / "missing",
            "latin": latin, "base": base}


def _commands(v: str, p: dict[str, Path]) -> list[tuple[str, ...]]:
    big = "risks " + "LoRA CoT " * 12_000
    out = str(p["base"])
    return [
        ("index", v), ("status", "--vault", v), ("status", "--vault", v, "--json"), ("links", "--vault", v),
        ("show", "[/x] odd [b]", "--vault", v), ("show", "esc\x1b[2Jclear\x07", "--vault", v),
        ("show", "[/nothing]", "--vault", v), ("check", "--vault", v), ("check", "--vault", v, "--limit", "1"),
        ("why", "LoRA", "CoT", "--vault", v), ("why", "[/x]", "\x1b[31m", "--vault", v),
        ("compare", "LoRA", "QLoRA", "--vault", v), ("compare", "[/b]", "[bold]", "--vault", v),
        ("export", "--vault", v, "--format", "graphml"), ("export", "--vault", v, "--format", "nt"),
        ("export", "--vault", v), ("export", "--vault", v, "--out", out),
        ("export", "--vault", v, "--out", out + "/no/such/file.ttl"), ("export", "--vault", v, "--format", "x"),
        ("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "--vault", v), ("sparql", "SELECT * WHERE {", "--vault", v),
        ("sparql", out + "/missing.rq", "--vault", v), ("sparql", str(p["latin"]), "--vault", v),
        ("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "--vault", v),
        ("ask", "risks of LoRA [/x]", "--vault", v), ("ask", big, "--vault", v, "--json"), ("ask", "  ", "--vault", v),
        ("search", "[bold]LoRA", "--vault", v, "--markdown"), ("terms", "--vault", v), ("terms", "--vault", v, "--ttl"),
        ("terms", "--vault", v, "--kind", "nonsense"),
    ]


@pytest.mark.parametrize("place", ["names", "help", "demo", "plain", "missing", "/", ""])
def test_no_command_on_any_input_shows_a_traceback(places, place):
    vault = place if place in ("/", "") else str(places[place])
    seen = 0
    for command in _commands(vault, places):
        run = kg_bounded(*command, seconds=120, mib=800, cwd=places["base"])  # asserts no Traceback
        assert "unexpected error" not in run.err, (command[:3], run.err)
        assert run.code in (0, 1, 2), (command[:3], run.code, run.err)
        if run.code:
            assert len(run.err.strip().splitlines()) == 1, (command[:3], run.err)
        assert "\x1b" not in run.out and "\x1b" not in run.err, command[:3]  # Turtle too: written \u001B
        seen += 1
    assert seen == len(_commands(vault, places))
    assert not Path("/.kg").exists()
    if place == "plain":
        assert (places["plain"] / ".kg").is_dir()  # `kg index` (the first command) was asked for: it indexed
