"""`kg ask --save`: the answer kept as a note, read back through our own parser and resolver (the way Obsidian
reads it), refused where it would overwrite a note or leave the vault, and never answering in place of the notes
it cites once it is indexed."""

import json
import re

import pytest
from conftest import run_kg

from vaultgraph.markdown import parse_text
from vaultgraph.vault import NameIndex, resolve_link, scan

RISKS = "risks of LoRA on CoT"


def ask(vault, question, *args):
    return json.loads(run_kg("ask", question, "--vault", str(vault), "--json", *args).stdout)


@pytest.fixture
def indexed(demo_vault):
    run_kg("index", str(demo_vault))
    return demo_vault


def read_back(vault, rel):
    """The saved note parsed as the indexer parses it; every link resolved as Obsidian resolves it."""
    note = parse_text((vault / rel).read_text(encoding="utf-8"), rel)
    files = [f.path for f in scan(vault).files]
    names = NameIndex.build(files)
    resolved = [resolve_link(names, rel, link) for link in note.links]
    return note, resolved


def assert_every_link_opens_the_cited_lines(vault, note, resolved):
    assert resolved
    for r in resolved:
        assert r.target is not None, f"unresolved link {r.link.raw}"
        assert r.target.endswith(".md") and (vault / r.target).is_file()
        # as Obsidian reads it: the bytes as they are (a note kg repairs keeps its damaged headings there)
        cited = parse_text((vault / r.target).read_bytes().decode("utf-8", "replace"), r.target)
        where = re.fullmatch(r".+:(\d+)(?:-(\d+))?", r.link.alias or "")
        assert where, f"no line in the link's alias: {r.link.raw}"
        first, last = int(where[1]), int(where[2] or where[1])
        assert 1 <= first <= last <= cited.line_count, r.link.raw
        if r.link.heading:  # the heading exists in the cited note and holds the cited line
            assert any(s.title == r.link.heading and s.line <= first <= s.end_line for s in cited.sections), \
                (r.link.raw, [s.title for s in cited.sections])


def test_saved_answer_is_a_note_with_frontmatter_callouts_and_links_that_resolve(indexed):
    answer = ask(indexed, RISKS)
    result = run_kg("ask", RISKS, "--vault", str(indexed), "--save")
    rel = "Answers/risks-of-lora-on-cot.md"
    assert f"saved the answer as {rel}" in result.stderr
    note, resolved = read_back(indexed, rel)

    assert note.frontmatter["kg"] == "answer"
    assert note.frontmatter["question"] == RISKS and note.frontmatter["intent"] == "risk"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(note.frontmatter["date"]))
    assert not note.warnings

    # one callout per role, in the order of the answer's roles
    roles = list(dict.fromkeys(a["role"] for a in answer["answers"]))
    assert len(note.callouts) == len(roles) >= 2
    assert {"danger"} <= {c.type for c in note.callouts}  # the risks
    assert_every_link_opens_the_cited_lines(indexed, note, resolved)

    # every statement is there, each followed by a link to each place it is cited
    text = (indexed / rel).read_text(encoding="utf-8")
    for a in answer["answers"]:
        line = next(x for x in text.split("\n") if " ".join(a["text"].split()) in x)
        for c in a["citations"]:
            assert f"[[{c['path'][:-3]}" in line and f":{c['line']}" in line, (line, c)
    assert any(r.link.heading for r in resolved)  # headings are linked, not just notes


def test_comparison_and_why_paths_are_saved_with_working_links(indexed):
    run_kg("ask", "сравни LoRA и DPO", "--vault", str(indexed), "--save", "Answers/LoRA vs DPO")
    note, resolved = read_back(indexed, "Answers/LoRA vs DPO.md")
    assert note.frontmatter["intent"] == "comparison"
    assert note.tables and note.tables[0].header[1:] == ("LoRA", "DPO")
    in_table = [r for r in resolved if note.tables[0].line <= r.link.line <= note.tables[0].end_line]
    assert in_table
    assert_every_link_opens_the_cited_lines(indexed, note, resolved)

    run_kg("ask", "how does LoRA affect CoT", "--vault", str(indexed), "--save", "why.md")
    note, resolved = read_back(indexed, "why.md")
    assert note.frontmatter["intent"] == "explanation"
    assert any(s.title == "Why" for s in note.sections)
    text = (indexed / "why.md").read_text(encoding="utf-8")
    assert re.search(r"^1\. LoRA → ", text, re.MULTILINE)
    steps = [x for x in text[text.index("## Why"):].split("\n") if x.lstrip().startswith("- ")]
    assert steps and all("[[" in x for x in steps)  # every step of a path cites its note
    assert_every_link_opens_the_cited_lines(indexed, note, resolved)


def test_refuses_to_overwrite_a_note_unless_forced(indexed):
    existing = indexed / "methods" / "LoRA.md"
    before = existing.read_bytes()
    result = run_kg("ask", RISKS, "--vault", str(indexed), "--save", "methods/LoRA.md", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "already exists" in result.stderr and "--force" in result.stderr
    assert result.stdout == ""  # refused before answering
    assert existing.read_bytes() == before

    run_kg("ask", RISKS, "--vault", str(indexed), "--save", "Answers/mine.md")
    again = run_kg("ask", "как бороться с катастрофическим забыванием", "--vault", str(indexed),
                   "--save", "Answers/mine.md", check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert parse_text((indexed / "Answers/mine.md").read_text(encoding="utf-8"), "x").frontmatter["question"] == RISKS

    run_kg("ask", "как бороться с катастрофическим забыванием", "--vault", str(indexed),
           "--save", "Answers/mine.md", "--force")
    note = parse_text((indexed / "Answers/mine.md").read_text(encoding="utf-8"), "Answers/mine.md")
    assert note.frontmatter["question"] == "как бороться с катастрофическим забыванием"
    assert not [p for p in (indexed / "Answers").iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("path", ["../outside.md", "Answers/../../outside.md", "/tmp/kg-abs-answer.md",
                                  ".obsidian/answer.md", "linked/answer.md"])
def test_refuses_paths_outside_the_vault(indexed, tmp_path, path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (indexed / "linked").symlink_to(outside, target_is_directory=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".kg" not in p.parts)
    result = run_kg("ask", RISKS, "--vault", str(indexed), "--save", path, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("kg: ") and result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".kg" not in p.parts)
    assert after == before and not list(outside.iterdir())
    assert not (tmp_path / "outside.md").exists()


def test_an_indexed_saved_answer_does_not_crowd_out_its_sources(indexed):
    first = ask(indexed, RISKS)
    run_kg("ask", RISKS, "--vault", str(indexed), "--save")
    report = run_kg("index", str(indexed), "--json")
    assert json.loads(report.stdout)["notes"] >= 1

    status = json.loads(run_kg("status", "--vault", str(indexed), "--json").stdout)
    assert not status["new"] and not status["stale"]  # the saved note is indexed like any other …
    links = json.loads(run_kg("links", "--vault", str(indexed), "--json").stdout)
    saved = [r for r in links if r["source"] == "Answers/risks-of-lora-on-cot.md"]
    assert saved and all(r["resolved"] for r in saved)

    again = ask(indexed, RISKS)  # … but the same question is answered from the notes it cites
    cited = [c["path"] for a in again["answers"] for c in a["citations"]]
    assert not [p for p in cited if p.startswith("Answers/")]
    assert again["answers"][0]["citations"] == first["answers"][0]["citations"]
    # the saved note changes the corpus's statistics a little (word rarity, the fused scores' scale), not the answer
    same = {a["text"] for a in again["answers"]} & {a["text"] for a in first["answers"]}
    assert len(same) >= len(first["answers"]) - 2
    found = json.loads(run_kg("search", "risks of LoRA on CoT", "--vault", str(indexed), "--json").stdout)
    assert not [c for a in found["answers"] for c in a["citations"] if c["path"].startswith("Answers/")]


def test_saved_answers_do_not_feed_compare_or_why(indexed):
    before = cli(indexed, "compare", "LoRA", "DPO"), cli(indexed, "why", "LoRA", "CoT")
    run_kg("ask", "сравни LoRA и DPO", "--vault", str(indexed), "--save")
    run_kg("ask", "how does LoRA affect CoT", "--vault", str(indexed), "--save")
    run_kg("index", str(indexed))
    after = cli(indexed, "compare", "LoRA", "DPO"), cli(indexed, "why", "LoRA", "CoT")
    assert "Answers/" not in json.dumps(after, ensure_ascii=False)  # the copies would fill its cells and paths
    assert after == before
    check = run_kg("check", "--vault", str(indexed), check=False).stdout
    assert "Answers/" not in check  # linked to what they cite: no orphans, no unsourced claims


def cli(vault, *args):
    return json.loads(run_kg(*args, "--vault", str(vault), "--json").stdout)
