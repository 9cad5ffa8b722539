"""Extraction stays linear on hostile shapes of text, and gives what it gave before.

Each rewritten scan is checked two ways: a note (or text) 4x larger takes under 6x as long
(``assert_linear`` from test_parse_scaling.py: the quadratic versions took 10-20x), and on generated text
it returns exactly what the regular expression it replaced returned (kept here as the oracle).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from test_parse_scaling import assert_linear

from vaultgraph.extract.concepts import ConceptIndex
from vaultgraph.extract.facts import extract
from vaultgraph.extract.sources import find_sources
from vaultgraph.extract.units import plain, units
from vaultgraph.index.passages import NO_ANSWER, note_passages
from vaultgraph.markdown import parse_text

CONCEPTS = ConceptIndex.load()


def _units_of(text: str):
    note = parse_text(text, "big.md")
    return lambda: units(note)


# --- sentences: each sentence end searched all the text before it for an abbreviation ---

def _long_paragraph(n: int) -> str:
    return "".join(f"Sentence {i} says that LoRA degrades reasoning on benchmark {i % 97}.\n" for i in range(n))


def test_sentences_of_a_long_paragraph_scale_linearly():
    prepared = {n: _units_of(_long_paragraph(n)) for n in (1000, 4000)}
    assert_linear(lambda n: prepared[n], 1000, run=lambda split: split())
    found = prepared[4000]()
    assert len(found) == 4000 and {u.origin for u in found} == {"sentence"}
    assert [(u.line, u.end_line) for u in found[:2]] == [(1, 1), (2, 2)] and found[-1].line == 4000
    assert found[1234].text == "Sentence 1234 says that LoRA degrades reasoning on benchmark 70."


# --- bracketed fields: a "[[" in a value scanned on to the next "]" from every "[k::" of the line ---

def test_bracketed_fields_opening_links_on_one_line_scale_linearly():
    assert_linear(lambda n: "(k:: [[" * n + "\n", 2000)
    assert parse_text("(k:: [[" * 8000 + "\n", "big.md").fields == ()
    (field,) = parse_text("see [risk:: [[Catastrophic forgetting]]] here\n", "big.md").fields
    assert (field.key, field.value, field.bracketed) == ("risk", "[[Catastrophic forgetting]]", True)


# --- plain text of a claim: link regexes tried again from every bracket of a run that never closes ---

_OLD_WIKILINK = re.compile(r"!?\[\[([^\]|#]*)(?:#([^\]|]*))?(?:\\?\|([^\]]*))?\]\]")
_OLD_MDLINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_OLD_FOOTREF = re.compile(r"\[\^[^\[\]\s]+\]")  # a label without blanks or brackets: markdown/links.py


def _old_shown(m: re.Match) -> str:
    """The alias, else the target, else (a link to a heading of this note, ``[[#Aliases]]``) the heading."""
    target, heading, alias = m.group(1), (m.group(2) or "").lstrip("^"), m.group(3)
    if alias is not None:
        return (alias or target or heading).strip()
    return target.strip() or heading.strip()


def _old_plain(raw: str) -> str:
    text = _OLD_WIKILINK.sub(_old_shown, raw)
    text = _OLD_MDLINK.sub(lambda m: m.group(1), text)
    text = _OLD_FOOTREF.sub("", text)
    text = re.sub(r"(\*\*|__|\*|~~|`)", "", text)
    return re.sub(r"\s+", " ", text).strip()


MARKUP = st.lists(st.sampled_from(["[", "]", "[[", "]]", "!", "|", "\\|", "#", "^", "(", ")", "](", "[^", "::", " ",
                                   "  ", "\t", "\n", "*", "a", "b", "x y", "key", "-", "[k::", "(k::"]),
                  max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(MARKUP)
def test_plain_text_is_what_the_regular_expressions_gave(raw):
    assert plain(raw) == _old_plain(raw)


def _timed_plain(shape: str):
    return lambda n: shape * n


def test_plain_text_of_runs_of_unclosed_links_scales_linearly():
    for shape in ("[[", "[[a|", "[[#", "[a](", "[" , "[^", "![", "[[a]]x]"):
        assert_linear(_timed_plain(shape), 8000, run=plain)
    assert plain("[[" * 3 + "[[Note|shown]] and [text](x.md) [[a") == "shown and text [[a"


def test_field_markup_on_long_runs_scales_linearly():
    # units take tags and fields from the parser's records of each block (Block.markup, Block.field_lines)
    for shape in (lambda n: "[k" + "::a" * n + "\n", lambda n: " " * n + "x:: y\n", lambda n: "#t [k:: v] " * n + "\n"):
        assert_linear(lambda n, shape=shape: _units_of(shape(n)), 2000, run=lambda split: split())
    assert units(parse_text("status:: draft about LoRA\n", "f.md")) == []  # a field line is markup
    assert units(parse_text("#lora #qlora [status:: draft] (k:: v)\n", "f.md")) == []  # only markup
    (unit,) = units(parse_text("LoRA adapters forget less #lora\nrisk:: forgetting\n", "f.md"))
    assert unit.text == "LoRA adapters forget less #lora"  # a tag stays in the claim, a field line does not


# --- citations: each trailing ")" recounted the URL's brackets, each candidate copied the text before it,
# each citation was compared with every one kept ---

def test_citations_of_a_long_text_scale_linearly():
    assert_linear(lambda n: "see https://example.org/a" + ")" * n, 40_000, run=find_sources)
    assert_linear(lambda n: "Hu 2021 and " * n, 1000, run=find_sources)
    assert_linear(lambda n: " ".join(f"https://x.org/{i} arXiv:2106.{i:05d} [[N{i}]]" for i in range(n)), 1000,
                  run=lambda t: find_sources(t, wikilinks=True))
    assert_linear(lambda n: "[^a" * n + "]", 20_000, run=lambda t: find_sources(t, footnotes=True))
    assert [r.key for r in find_sources("[^a[^b] [^c d] [^1]: def [^2].", footnotes=True)] == ["fn:b", "fn:2"]
    refs = find_sources("as in (Hu et al., 2021) and https://arxiv.org/abs/2106.09685v2) [[LoRA]]", wikilinks=True)
    assert [(r.kind, r.key) for r in refs] == [("author-year", "cite:hu-2021"), ("arxiv", "arxiv:2106.09685"),
                                              ("wikilink", "note:?LoRA")]


# --- passages: every claim looked at every link on its lines, every section at every claim ---

def _passages_of(text: str):
    note = parse_text(text, "big.md")
    facts = extract(note, CONCEPTS, lambda target: None)
    return lambda: note_passages(note, facts)


def test_sentences_on_one_line_of_many_links_scale_linearly():
    make = lambda n: " ".join(f"LoRA keeps [[Base {i}]] weights frozen in run {i}." for i in range(n)) + "\n"  # noqa: E731
    prepared = {n: _passages_of(make(n)) for n in (500, 2000)}
    assert_linear(lambda n: prepared[n], 500, run=lambda build: build())
    claims = [p for p in prepared[2000]() if p.field == "claim"]
    assert len(claims) == 2000 and all(p.weight == NO_ANSWER for p in claims)  # a line of 2,000 links: navigation


def test_many_sections_of_many_claims_scale_linearly():
    make = lambda n: "".join(f"## Part {i}\n- LoRA forgets skill {i}\n- and drifts on task {i}\n" for i in range(n))  # noqa: E731
    prepared = {n: _passages_of(make(n)) for n in (500, 2000)}
    assert_linear(lambda n: prepared[n], 500, run=lambda build: build())
    sections = [p for p in prepared[2000]() if p.field == "section"]
    assert len(sections) == 2000 and sections[-1].text == "LoRA forgets skill 1999 and drifts on task 1999"


# --- extraction: every solution sorted every risk on its topic, every consequence scanned every problem ---

def _risks_and_solutions(n: int) -> str:
    return ("# Risks\n" + "".join(f"- LoRA degrades reasoning on task {i}\n" for i in range(n))
            + "# Solutions\n" + "".join(f"- Replay mitigates LoRA forgetting on task {i}\n" for i in range(n))
            + "# Problem\n" + "".join(f"- LoRA forgets skill {i}\n" for i in range(n))
            + "# Consequences\n" + "".join(f"- LoRA loses ability {i}\n" for i in range(n)))


def test_risks_and_solutions_on_one_topic_scale_linearly():
    notes = {n: parse_text(_risks_and_solutions(n), "big.md") for n in (250, 1000)}
    assert_linear(lambda n: notes[n], 250, run=lambda note: extract(note, CONCEPTS, lambda target: None))
    facts = extract(notes[1000], CONCEPTS, lambda target: None)
    by_id = {c.id: c for c in facts.claims}
    first_solution = next(c for c in facts.claims if "solution" in c.kinds)
    assert [by_id[r].line for s, r in facts.mitigates if s == first_solution.id] == [1001, 1000, 999]
    first_consequence = next(c for c in facts.claims if "consequence" in c.kinds)
    assert [by_id[p].line for p, c in facts.causes if c == first_consequence.id] == [3003, 3002, 3001]


def test_tables_after_many_callout_headings_scale_linearly():
    make = lambda n: "".join(f"> [!note]\n> ## H{i}\n> LoRA text {i} here\n\n| method | effect |\n|---|---|\n"  # noqa: E731
                             f"| LoRA | forgets {i} |\n\n" for i in range(n))
    prepared = {n: _units_of(make(n)) for n in (500, 2000)}
    assert_linear(lambda n: prepared[n], 500, run=lambda split: split())
    rows = [u for u in prepared[2000]() if u.origin == "row"]
    assert len(rows) == 2000 and {u.section for u in rows} == {None}  # the callouts' headings end with them
