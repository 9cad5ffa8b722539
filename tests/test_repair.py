"""Encoding: clean notes untouched byte for byte, mojibake repaired, line numbers never shift."""

import pytest
from conftest import FIXTURES, SEEDS, parse_fixture

from vaultgraph.repair import decode

# Characters typical of mojibake of Cyrillic (UTF-8 read as Mac Roman) and of emoji.
MOJIBAKE_MARKS = ("‚Ä", "–∞", "—Ç", "Ã", "ðŸ", "√")


def test_clean_unicode_comes_out_identical():
    data = (FIXTURES / "clean_unicode_untouched.md").read_bytes()
    decoded = decode(data)
    assert decoded.text.encode("utf-8") == data
    assert decoded.repairs == ()


def test_whole_note_mojibake_is_repaired_exactly():
    clean = (FIXTURES / "clean_unicode_untouched.md").read_text(encoding="utf-8")
    decoded = decode((FIXTURES / "mojibake_whole_note.md").read_bytes())
    assert decoded.text == clean
    (repair,) = decoded.repairs
    assert repair.kind == "mojibake" and repair.lines == (1, 3, 4) and repair.count == 3


def test_mixed_note_is_repaired_span_by_span():
    clean = (FIXTURES / "mixed_mojibake_source.md").read_text(encoding="utf-8")
    decoded = decode((FIXTURES / "mojibake_mixed_spans.md").read_bytes())
    assert decoded.text == clean
    assert decoded.repairs[0].lines == (4, 5)


def test_invalid_utf8_is_decoded_per_line_and_reported():
    note = parse_fixture("invalid_utf8_cp1251.md")
    lines = note.text.split("\n")
    assert lines[0] == "# Заметка"
    assert lines[1] == "Строка в cp1251: забывание"
    assert lines[2] == "stray \\xff byte"  # the byte is kept, spelled out
    assert lines[3] == "конец"
    (repair,) = note.repairs
    assert repair.kind == "invalid-utf8" and repair.lines == (2, 3)


def test_demo_vault_mojibake_note_matches_its_clean_source():
    from conftest import DEMO_VAULT

    damaged = (DEMO_VAULT / "imported" / "Конспект курса LLM.md").read_bytes()
    clean = (FIXTURES / "mojibake_clean_source.md").read_text(encoding="utf-8")
    decoded = decode(damaged)
    assert decoded.text == clean
    assert decoded.text.count("\n") == damaged.decode("utf-8").count("\n")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
@pytest.mark.parametrize("name", ["000_ffbbb055047f1bd2", "003_8c1d6c6794a71952", "004_bfd7eff721c6b0e3"])
def test_clean_seeds_are_byte_identical(name):
    data = (SEEDS / f"{name}.txt").read_bytes()
    decoded = decode(data)
    assert decoded.repairs == ()
    assert decoded.text.encode("utf-8") == data


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
@pytest.mark.parametrize("name,marker", [("001_f72068c01d47f741", "LLM-саентист"), ("002_e14bd8b692cd3e6a", "✅")])
def test_damaged_seeds_come_out_as_clean_cyrillic(name, marker):
    data = (SEEDS / f"{name}.txt").read_bytes()
    decoded = decode(data)
    assert decoded.repairs and decoded.repairs[0].kind == "mojibake"
    assert marker in decoded.text
    assert not any(mark in decoded.text for mark in MOJIBAKE_MARKS)
    assert decoded.text.count("\n") == data.decode("utf-8").count("\n")
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in decoded.text)
    assert cyrillic > len(decoded.text) * 0.3


def test_clean_accents_dashes_and_quotes_are_not_read_as_mojibake():
    # "é—“" re-encodes as cp1252 to the three bytes of one CJK character: no evidence of damage on its own
    for text in ("café—“quoted” ", "naïve—“x”", "Ångström – «ёлочки»"):
        decoded = decode(text.encode())
        assert decoded.repairs == () and decoded.text == text
    damaged = "a — b".encode().decode("mac_roman")  # "a ‚Äî b": a dash saved as mojibake is still repaired
    assert decode(damaged.encode()).text == "a — b"
