"""The knowledge graph: facts traced to their lines, valid against our shapes, deterministic exports."""

import json
import re

import pyoxigraph as ox
import pytest
from conftest import REPO, run_kg

from vaultgraph.graph.namespace import VG
from vaultgraph.graph.store import LocalGraph
from vaultgraph.service import index_vault

PREFIXES = """PREFIX vg: <https://vaultgraph.dev/ns#>
PREFIX c: <https://vaultgraph.dev/concept/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def select(root, query):
    graph = LocalGraph(root, readonly=True)
    result = graph.query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def risk_spans(root, method, path=None):
    rows = select(root, f"""
        SELECT ?path ?line ?end ?role ?cap ?text WHERE {{
          ?r a vg:Risk ; vg:about c:{method} ; vg:text ?text ; vg:span ?s .
          ?s vg:path ?path ; vg:startLine ?line ; vg:endLine ?end .
          OPTIONAL {{ ?r vg:role ?role }} OPTIONAL {{ ?r vg:affects ?cap }}
        }}""")
    return [r for r in rows if path is None or r["path"] == path]


def test_namespace_matches_the_ontology():
    declared = set(re.findall(r"^vg:(\w+)", (REPO / "schema" / "vaultgraph.ttl").read_text(), re.MULTILINE))
    assert declared == set(VG.__annotations__)
    with pytest.raises(AttributeError):
        VG.Rsik  # noqa: B018 - a misspelt term fails loudly


def test_demo_vault_risk_of_lora_on_reasoning_with_lines(demo_vault):
    index_vault(demo_vault)
    rows = risk_spans(demo_vault, "LoRA", "analyses/Риски LoRA для CoT.md")
    hits = [r for r in rows if r["cap"] and r["cap"].endswith("/Reasoning")]
    assert hits, rows
    lines = (demo_vault / "analyses" / "Риски LoRA для CoT.md").read_text(encoding="utf-8").split("\n")
    for r in hits:
        cited = " ".join(lines[int(r["line"]) - 1:int(r["end"])])
        assert r["text"][:20].split()[0] in cited  # the span really holds the claim


def test_demo_vault_rlhf_mode_collapse_from_table_row(demo_vault):
    index_vault(demo_vault)
    rows = select(demo_vault, """
        SELECT ?line ?text WHERE {
          ?r a vg:Risk ; vg:about c:RLHF ; vg:involves c:ModeCollapse ; vg:text ?text ; vg:span ?s .
          ?s vg:path "summaries/Training methods evidence table.md" ; vg:startLine ?line .
        }""")
    assert [r["line"] for r in rows] == ["98"]


def test_solutions_are_linked_to_the_risks_they_answer(demo_vault):
    index_vault(demo_vault)
    rows = select(demo_vault, """
        SELECT ?sol ?risk WHERE {
          ?s a vg:Solution ; vg:mitigates ?r ; vg:text ?sol ; vg:span/vg:path "analyses/Риски LoRA для CoT.md" .
          ?r vg:text ?risk .
        }""")
    assert rows


def test_assistant_text_is_attributed_to_the_assistant(demo_vault):
    index_vault(demo_vault)
    rows = select(demo_vault, """
        SELECT ?who (COUNT(?c) AS ?n) WHERE {
          ?c a vg:Claim ; prov:wasAttributedTo ?who ; vg:span/vg:path ?p . FILTER(STRSTARTS(?p, "chats/"))
        } GROUP BY ?who""")
    who = {r["who"].rsplit("#", 1)[1]: int(r["n"]) for r in rows}
    assert who.get("AssistantAgent", 0) > 0 and who.get("UserAgent", 0) > 0


def test_explicit_markup_wins(tmp_path):
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Adapter soup.md").write_text(
        "---\ntype: method\naliases: [суп адаптеров]\n---\n# Adapter soup\n\n"
        "risk:: [[Catastrophic forgetting]]\n\n"
        "> [!risk] Interference\n> Averaging the weights can erase a skill one of them had.\n\n"
        "> [!solution]\n> Keep a held-out probe per skill and re-check after each merge.\n"
        "> mitigates:: [[Catastrophic forgetting]]\n", encoding="utf-8")
    (vault / "Use.md").write_text("We tried the суп адаптеров on two tasks and it hurt recall.\n", encoding="utf-8")
    index_vault(vault)
    rows = select(vault, """
        SELECT ?line ?about ?inv WHERE {
          ?r a vg:Risk ; vg:about ?about ; vg:span ?s . ?s vg:startLine ?line ; vg:path "Adapter soup.md" .
          OPTIONAL { ?r vg:involves ?inv }
        } ORDER BY ?line""")
    assert {(r["line"], r["about"].rsplit("/", 1)[1]) for r in rows} >= {("7", "Adapter-soup"), ("10", "Adapter-soup")}
    assert any(r["inv"] and r["inv"].endswith("CatastrophicForgetting") for r in rows)
    # the vault-defined concept is found through its Russian alias in another note
    used = select(vault, 'SELECT ?r WHERE { ?r vg:about c:Adapter-soup ; vg:span/vg:path "Use.md" }')
    assert used


def test_seed_004_risk_of_lora_on_reasoning_inside_its_sections(seed_vault):
    index_vault(seed_vault)
    rows = risk_spans(seed_vault, "LoRA", "004_bfd7eff721c6b0e3.md")
    hits = [r for r in rows if r["cap"] and r["cap"].endswith("/Reasoning")
            and r["role"] and r["role"].rsplit("#", 1)[1] in ("RoleProblem", "RoleConsequences")]
    assert hits
    assert all(6 <= int(r["line"]) <= 28 for r in hits)  # sections 1 (lines 6-16) and 2 (lines 18-28)


def test_seed_000_rlhf_mode_collapse_from_its_table_row(seed_vault):
    index_vault(seed_vault)
    rows = select(seed_vault, """
        SELECT ?line WHERE {
          ?r a vg:Risk ; vg:about c:RLHF ; vg:involves c:ModeCollapse ; vg:span ?s .
          ?s vg:path "000_ffbbb055047f1bd2.md" ; vg:startLine ?line .
        }""")
    lines = (seed_vault / "000_ffbbb055047f1bd2.md").read_text(encoding="utf-8").split("\n")
    assert rows and all("RLHF" in lines[int(r["line"]) - 1] for r in rows)


def test_demo_vault_and_seeds_validate(demo_vault, seed_vault):
    for vault in (demo_vault, seed_vault):
        run_kg("index", str(vault))
        result = run_kg("check", "--vault", str(vault), "--json", check=False)
        data = json.loads(result.stdout)
        assert result.returncode == 0 and data["conforms"] and data["violations"] == [], data["violations"][:3]


def test_exports_are_deterministic_and_turtle_is_isomorphic(demo_vault, tmp_path):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    run_kg("index", str(demo_vault))
    first = run_kg("export", "--vault", str(demo_vault), "--format", "ttl").stdout
    assert run_kg("export", "--vault", str(demo_vault), "--format", "ttl").stdout == first
    # a clean rebuild gives the same bytes
    import shutil

    shutil.rmtree(demo_vault / ".kg")
    run_kg("index", str(demo_vault))
    assert run_kg("export", "--vault", str(demo_vault), "--format", "ttl").stdout == first
    nt = run_kg("export", "--vault", str(demo_vault), "--format", "nt").stdout
    assert isomorphic(Graph().parse(data=first, format="turtle"), Graph().parse(data=nt, format="nt"))
    out = tmp_path / "g.graphml"
    run_kg("export", "--vault", str(demo_vault), "--format", "graphml", "--out", str(out))
    import networkx as nx

    g = nx.read_graphml(out)
    assert g.number_of_nodes() > 100 and g.number_of_edges() > 100
    jsonld = json.loads(run_kg("export", "--vault", str(demo_vault), "--format", "jsonld").stdout)
    assert jsonld


def test_sparql_is_read_only(demo_vault):
    run_kg("index", str(demo_vault))
    result = run_kg("sparql", "INSERT DATA { <a:b> <a:c> <a:d> }", "--vault", str(demo_vault), check=False)
    assert result.returncode == 2 and "read-only" in result.stderr
    count = json.loads(run_kg("sparql", PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?c a vg:Claim }",
                              "--vault", str(demo_vault), "--json").stdout)
    assert int(count["results"]["bindings"][0]["n"]["value"]) > 100
    ask = run_kg("sparql", PREFIXES + "ASK { c:QLoRA a ?t }", "--vault", str(demo_vault)).stdout
    assert ask.strip() == "yes"  # the ontology and concept scheme are part of the queried default graph


def test_each_note_has_its_own_named_graph(demo_vault):
    index_vault(demo_vault)

    def graphs():
        store = LocalGraph(demo_vault, readonly=True)
        out = {}
        for q in store.quads():
            out.setdefault(q.graph_name.value, set()).add((q.subject, q.predicate, q.object))
        return out

    before = graphs()
    note = demo_vault / "methods" / "QLoRA.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nQLoRA can also hurt calibration.\n", encoding="utf-8")
    index_vault(demo_vault)
    after = graphs()
    changed = {g for g in before.keys() | after.keys() if before.get(g) != after.get(g)}
    assert changed == {"https://vaultgraph.dev/vault/methods/QLoRA.md"}
