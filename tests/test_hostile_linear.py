"""Extraction stays linear on hostile shapes of text, and gives what it gave before.

Each rewritten scan is checked two ways: a note (or text) 4x larger takes under 6x as long
(``assert_linear`` from test_parse_scaling.py: the quadratic versions took 10-20x), and on generated text
it returns exactly what the regular expression it replaced returned (kept here as the oracle).
"""

from __future__ import annotations

from test_parse_scaling import assert_linear

from vaultgraph.extract.units import units
from vaultgraph.markdown import parse_text


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
