"""The limits of one note (``vaultgraph.limits``): past each, the note is indexed as far as it got, and a
warning names the line where the limit cut it.

The limits are made small here, so that a few lines meet them; ``test_hostile_notes.py`` meets the real
ones with the real notes. Ordinary notes never meet them: ``test_ordinary_notes_meet_no_limit``.
"""

from __future__ import annotations

import pytest

from conftest import DEMO_VAULT, SEEDS
from vaultgraph import limits
from vaultgraph.extract.concepts import ConceptIndex
from vaultgraph.extract.facts import extract
from vaultgraph.index.passages import note_passages
from vaultgraph.markdown import parse_bytes, parse_text

CONCEPTS = ConceptIndex.load()


def _said(note_or_facts) -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in note_or_facts.warnings]


def test_a_note_over_the_parse_size_is_parsed_up_to_its_last_whole_line(monkeypatch):
    monkeypatch.setattr(limits, "PARSE_BYTES", 100)
    data = "".join(f"# H{i}\nLoRA line {i}\n" for i in range(20)).encode()
    read = data[:100].count(b"\n")  # whole lines in the first 100 bytes
    note = parse_bytes(data, "big.md")
    assert [s.title for s in note.sections] == [f"H{i}" for i in range((read + 1) // 2)] and note.line_count == 40
    assert _said(note) == [(read + 1, f"over 100 bytes: lines {read + 1}-40 not indexed (limit of one note)")]
    one_line = parse_bytes(b"x" * 300 + b"\nsecond\n", "line.md")
    assert "the rest of this line and the 1 lines after it not indexed" in _said(one_line)[0][1]


def test_a_note_whose_parse_runs_out_of_time_keeps_what_came_before():
    note = parse_text("# A\ntext [[L]]\n", "slow.md", seconds=0)
    assert note.sections == () and note.links == ()
    assert _said(note) == [(1, "over 0 s to parse: not parsed from this line on (limit of one note)")]
    assert parse_text("# A\ntext [[L]]\n", "fast.md").warnings == ()


def test_too_many_blocks(monkeypatch):
    monkeypatch.setattr(limits, "BLOCK_TOKENS", 30)
    note = parse_text("".join(f"- item {i} [[N{i}]]\n" for i in range(20)), "list.md")
    assert 0 < len(note.blocks) < 20 and [l.line for l in note.links] == list(range(1, len(note.blocks) + 1))
    ((line, message),) = _said(note)
    assert line == len(note.blocks) + 1 and "Markdown block tokens" in message


def test_too_many_inline_steps(monkeypatch):
    monkeypatch.setattr(limits, "INLINE_STEPS", 40)
    note = parse_text("".join(f"see [[N{i}]] and *{i}*\n" for i in range(20)), "steps.md")
    assert 0 < len(note.links) < 20 and note.blocks[0].text.endswith("see [[N19]] and *19*")
    ((line, message),) = _said(note)
    assert note.links[-1].line <= line <= note.links[-1].line + 1 and "links, tags and emphasis not read" in message


def test_a_run_of_brackets_with_no_closing_one_is_read_in_linear_time():
    # the link rule scanned a label from every "[" (500 KB: 300 s); with no "]" after it, it cannot succeed
    note = parse_text("[" * 100_000 + "\n[ok](Other.md) [[Wiki]]\n", "brackets.md")
    assert note.warnings == () and [l.target for l in note.links] == ["Other.md", "Wiki"]


def test_too_many_links_tags_and_footnotes(monkeypatch):
    monkeypatch.setattr(limits, "LINKS", 5)
    monkeypatch.setattr(limits, "FOOTNOTES", 3)
    text = "".join(f"[[N{i}]] #t{i} ref[^{i}]\n\n" for i in range(10)) + "".join(f"[^{i}]: def {i}\n" for i in range(10))
    note = parse_text(text, "many.md")
    assert (len(note.links), len(note.tags), len(note.footnote_refs), len(note.footnotes)) == (5, 5, 3, 3)
    said = _said(note)
    assert (11, "over 5 links: 5 more from this line on not kept (limit of one note)") in said
    assert (11, "over 5 tags: 5 more from this line on not kept (limit of one note)") in said
    assert any(line == 7 and "over 3 footnote references" in m for line, m in said)
    assert any(line == 24 and "over 3 footnotes" in m for line, m in said)


def test_a_heading_too_long_is_cut():
    note = parse_text("# " + "x" * 5000 + "\nbody\n", "head.md")
    assert note.sections[0].title == "x" * limits.TITLE_CHARS + "…"
    assert _said(note) == [(1, "a heading over 1,000 characters: 4,000 characters of headings not kept "
                               "(limit of one note)")]


def test_lists_and_quotes_nested_past_markdown_it_nesting_are_reported():
    note = parse_text("".join(f"{'  ' * i}- item {i}\n" for i in range(15)), "deep.md")
    ((line, message),) = _said(note)
    assert line == len(note.blocks) + 1 and "lists nested over 10 deep" in message and "not parsed" in message
    quotes = parse_text("".join(f"{'>' * (i + 1)} level {i}\n\n" for i in range(25)), "quotes.md")
    assert "quotes over 20" in _said(quotes)[0][1]


def test_frontmatter_too_large_too_deep_or_with_too_many_tags(monkeypatch):
    deep = parse_text("---\nx: " + "[" * 500 + "]" * 500 + "\ntitle: t\n---\nbody\n", "deep.md")
    assert deep.frontmatter["title"] == "t" and "nested deeper than 100 levels" in _said(deep)[0][1]
    monkeypatch.setattr(limits, "FRONTMATTER_CHARS", 100)
    big = parse_text("---\n" + "".join(f"k{i}: v\n" for i in range(50)) + "---\n# Body\n", "big.md")
    assert big.frontmatter == {} and [s.title for s in big.sections] == ["Body"]
    assert _said(big) == [(1, "frontmatter over 100 bytes: its properties not read (limit of one note)")]
    monkeypatch.setattr(limits, "FRONTMATTER_CHARS", 10_000)
    monkeypatch.setattr(limits, "TAGS", 3)
    tags = parse_text("---\ntags: [a, b, c, d, e]\n---\nbody\n", "tags.md")
    assert [t.name for t in tags.tags] == ["a", "b", "c"] and "over 3 tags in the frontmatter" in _said(tags)[0][1]


def test_warnings_are_kept_to_a_few(monkeypatch):
    monkeypatch.setattr(limits, "FOOTNOTES", 50)  # definitions 0-49 are kept, references to 99-50: none defined
    text = "".join(f"[^{i}]: def {i}\n" for i in range(100)) + "\n" + "".join(f"ref[^{i}]\n\n" for i in range(99, -1, -1))
    note = parse_text(text, "refs.md")
    assert len(note.warnings) == limits.WARNINGS + 1 and note.warnings[-1].message == "… and 32 more warnings"


def test_too_many_claims_or_characters(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS", 10)
    note = parse_text("".join(f"- LoRA forgets skill number {i}\n" for i in range(30)), "claims.md")
    facts = extract(note, CONCEPTS, lambda target: None)
    assert [c.line for c in facts.claims] == list(range(1, 11))
    assert _said(facts) == [(11, "over 10 claims or 300,000 characters of claims: not extracted from this line on "
                                 "(limit of one note)")]
    monkeypatch.setattr(limits, "CLAIMS", 5000)
    monkeypatch.setattr(limits, "CLAIMS_CHARS", 100)
    facts = extract(note, CONCEPTS, lambda target: None)
    assert len(facts.claims) == 3 and _said(facts)[0][0] == 4


def test_a_claim_too_long_is_cut_into_pieces_with_their_links_and_lines(monkeypatch):
    monkeypatch.setattr(limits, "CLAIM_CHARS", 60)
    text = "- " + "\n  ".join(f"LoRA keeps base weights frozen, part {i} [[Source {i}]]" for i in range(6)) + "\n"
    facts = extract(parse_text(text, "long.md"), CONCEPTS, lambda target: None)
    assert all(len(c.text) <= 60 for c in facts.claims) and len(facts.claims) == 6
    assert [c.line for c in facts.claims] == [1, 2, 3, 4, 5, 6]
    assert facts.claims[5].text == "LoRA keeps base weights frozen, part 5 Source 5"
    assert "note:?Source 5" in facts.claims[5].sources
    assert _said(facts) == [(1, "1 claim(s) over 60 characters cut into pieces (limit of one note)")]


def test_no_passage_is_longer_than_a_claim():
    value = " ".join(f"word{i}" for i in range(3000))  # a 26,000-character property
    note = parse_text(f"---\nsummary: {value}\n---\n# Body\n", "fm.md")
    passages = note_passages(note, extract(note, CONCEPTS, lambda target: None))
    pieces = [p for p in passages if p.field == "frontmatter"]
    assert len(pieces) > 10 and all(len(p.text) <= limits.CLAIM_CHARS for p in pieces)
    assert " ".join(p.text for p in pieces) == value and {(p.line, p.end_line) for p in pieces} == {(2, 2)}


@pytest.mark.parametrize("root", [DEMO_VAULT, SEEDS], ids=["demo", "seeds"])
def test_ordinary_notes_meet_no_limit(root):
    if not root.is_dir():
        pytest.skip(f"{root} is not present")
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".md", ".txt") and ".kg" not in p.parts):
        note = parse_bytes(path.read_bytes(), path.name)
        facts = extract(note, CONCEPTS, lambda target: None)
        said = [str(w) for w in (*note.warnings, *facts.warnings) if limits.NOTE in w.message]
        assert said == [], path
