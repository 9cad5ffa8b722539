"""Output treats names and texts as text (issue 14, item 8): Rich markup in note, folder and vault names and in
note text is printed verbatim (``[/x]`` crashed show, status and check with a MarkupError; ``[b]`` vanished), and
control characters in file names (an escape sequence, a bell) never reach the terminal raw: they are shown as
``\\x1b``. Every command that prints names or texts, each run bounded in time and memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bounded import kg_bounded
from conftest import run_kg

ESC_NAME = "esc\x1b[31mred\x07 note.md"
SHOWN_ESC = "esc\\x1b[31mred\\x07 note.md"
MARKUP_PATH = "[/LoRA] notes.md"  # a folder named "[" holding "LoRA] notes.md": the path reads as a closing tag


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("names") / "[" / "x] vault [bold]"  # the vault's own path is markup too
    (root / ".obsidian").mkdir(parents=True)
    (root / "[").mkdir()
    (root / MARKUP_PATH).write_text(
        "# [/LoRA] notes\n\n## Risks\n\n- LoRA on small data degrades CoT reasoning; keep [bold]this[/bold] and "
        "[[Plain]] as written.\n- QLoRA quantization [/red] hurts chain-of-thought accuracy.\n", encoding="utf-8")
    (root / ESC_NAME).write_text("# Escape\n\n- LoRA adapters degrade CoT on long chains [i]x[/i].\n",
                                 encoding="utf-8")
    (root / "Plain.md").write_text("# Plain\n\nLinks to [[LoRA] notes]] and [[esc]].\n", encoding="utf-8")
    run_kg("index", str(root))
    return root


def _clean(run, *expected: str) -> str:
    assert run.code == 0, run.err
    for stream in (run.out, run.err):
        assert "\x1b" not in stream and "\x07" not in stream, stream[:2000]
    for text in expected:
        assert text in run.out, (text, run.out[:3000])
    return run.out


def test_show_prints_markup_in_a_path_verbatim(vault):
    _clean(kg_bounded("show", MARKUP_PATH, "--vault", str(vault)), MARKUP_PATH, "[/LoRA] notes")
    _clean(kg_bounded("show", ESC_NAME, "--vault", str(vault)), SHOWN_ESC)


def test_status_names_markup_vault_and_escapes_control_characters(vault):
    out = _clean(kg_bounded("status", "--vault", str(vault)), "x] vault [bold]")
    data = json.loads(kg_bounded("status", "--vault", str(vault), "--json").out)
    assert data["vault"].endswith("[/x] vault [bold]") and str(vault) in out


def test_check_prints_names_as_text(vault):
    _clean(kg_bounded("check", "--vault", str(vault), "--limit", "0"), "x] vault [bold]", SHOWN_ESC)


def test_links_escape_control_characters(vault):
    _clean(kg_bounded("links", "--vault", str(vault)), MARKUP_PATH, "Plain.md:3")


def test_sparql_text_keeps_wikilinks_and_markup_in_literals(vault):
    query = ("SELECT ?t WHERE { ?c <https://vaultgraph.dev/ns#text> ?t FILTER(CONTAINS(?t, \"bold\")) }")
    out = _clean(kg_bounded("sparql", query, "--vault", str(vault)), "[bold]this[/bold]")
    query = "SELECT ?p WHERE { ?s <https://vaultgraph.dev/ns#path> ?p }"
    _clean(kg_bounded("sparql", query, "--vault", str(vault)), SHOWN_ESC, MARKUP_PATH)
    raw = "SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), \"[[esc\")) }"
    assert "[[esc]]" in _clean(kg_bounded("sparql", raw, "--vault", str(vault)))


@pytest.mark.parametrize("command", ["ask", "search"])
def test_ask_and_search_print_texts_and_citations_verbatim(vault, command):
    out = _clean(kg_bounded(command, "LoRA CoT risks", "--vault", str(vault)))
    assert "[bold]this[/bold]" in out or "[i]x[/i]" in out or "[/red]" in out, out
    assert SHOWN_ESC in out or MARKUP_PATH in out, out


def test_why_and_compare_print_texts_and_citations_verbatim(vault):
    out = _clean(kg_bounded("why", "LoRA", "CoT", "--vault", str(vault)))
    assert MARKUP_PATH in out or SHOWN_ESC in out, out
    out = _clean(kg_bounded("compare", "LoRA", "QLoRA", "--vault", str(vault)))
    assert MARKUP_PATH in out or SHOWN_ESC in out, out


def test_graphml_with_control_characters_is_valid_xml(vault, tmp_path):
    import xml.etree.ElementTree as ET

    out = tmp_path / "graph.graphml"
    run = kg_bounded("export", "--format", "graphml", "--out", str(out), "--vault", str(vault))
    assert run.code == 0, run.err
    tree = ET.parse(out)  # raised "not well-formed (invalid token)" on the \x1b and \x07 of a name
    assert any("esc\\x1b[31mred" in (el.text or "") for el in tree.iter())
