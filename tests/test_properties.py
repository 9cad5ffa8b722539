"""Property tests: the parser never raises and never loses a line, whatever the text."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultgraph.markdown import parse_bytes, parse_text
from vaultgraph.repair import decode

# Text biased towards the syntax the parser cares about.
PIECES = st.sampled_from([
    "[[", "]]", "|", "\\|", "#", "#tag", "^id", "> ", ">[!nexus_agent] **A** - 1.2.2025 at 1:02", "> [!note]-",
    "---", "```", "`", "[^1]", "[^1]: ", "::", "key:: [[x]]", "| a | b |", "|---|---|", "- ", "1. ", "\n", "\n\n",
    "![[", "](", ")", "<!-- UID: x -->", "Ð", "–", "—", "ё", "✅", "\r\n", "\t", "    ", "&amp;", "<div>", "*", "_",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=60).map("".join)


def _check(note, text):
    n = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # a lone CR breaks a line too
    assert note.text.count("\n") + 1 == n
    for record in (*note.links, *note.tags, *note.footnote_refs, *note.fields):
        assert 1 <= record.line <= n
    for record in (*note.sections, *note.callouts, *note.messages, *note.tables, *note.footnotes):
        assert 1 <= record.line <= record.end_line <= n


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_parse_text_never_raises_and_keeps_lines(text):
    _check(parse_text(text, "x.md"), text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_and_keep_line_count(data):
    decoded = decode(data)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    expected = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
    assert decoded.text.count("\n") == expected
    parse_bytes(data, "x.md")


CLEAN_WORDS = st.sampled_from([
    "LoRA", "CoT", "fine-tuning", "дообучение", "цепочка", "рассуждений", "и", "в", "с", "ёлка", "Эффект",
    "café", "naïve", "Ångström", "über", "“quoted”", "«ёлочки»", "—", "–", "…", "✅", "🧑‍🔬", "💰💰", "≈", "↑",
    "↓", "™", "½", "#tag", "[[Link]]", "> ", "- ", "|", "1.", "(", ")", ":", ",", ".",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CLEAN_WORDS, st.sampled_from([" ", " ", "\n", ""])), max_size=60)
       .map(lambda parts: "".join(w + sep for w, sep in parts)))
def test_clean_text_comes_out_byte_identical(text):
    data = text.encode("utf-8")
    decoded = decode(data)
    assert decoded.repairs == ()
    assert decoded.text.encode("utf-8") == data


# --- the whole kg index on generated hostile notes, within the limits of one note ---------------------------

SMALL_LIMITS = {"PARSE_BYTES": 48_000, "BLOCK_TOKENS": 3_000, "INLINE_STEPS": 6_000, "LINKS": 200, "FOOTNOTES": 50,
                "TAGS": 20, "TITLE_CHARS": 100, "CLAIMS": 150, "CLAIM_CHARS": 300, "CLAIMS_CHARS": 8_000,
                "FRONTMATTER_CHARS": 4_000}
RUNS = st.lists(st.tuples(st.one_of(PIECES, st.text(min_size=1, max_size=6), st.sampled_from([
    "LoRA forgets. ", "Hu et al. 2021 ", "https://x.org/a) ", "[[N|a]] ", "[t](u.md) ", "- a\n", "  ", "> ", "---\n",
    "a:: b\n", "[k:: [[", "*a", "[", "[[", "![", "[^", "# H\n", "x" * 50])), st.integers(1, 3_000)), max_size=12)


def _runs(parts) -> str:
    return "".join(piece * count for piece, count in parts)[:120_000]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(RUNS, st.booleans())
def test_kg_index_of_a_hostile_note_stays_within_the_limits_of_one_note(monkeypatch, parts, header):
    import json
    import tempfile
    import time
    from pathlib import Path

    from vaultgraph import limits
    from vaultgraph.index.passages import SECTION_CHARS
    from vaultgraph.service import index_vault
    from vaultgraph.store import reader

    for name, value in SMALL_LIMITS.items():  # small, so that a note of at most 120 KB meets them
        monkeypatch.setattr(limits, name, value)
    text = ("---\ntitle: t\n" + _runs(parts[:2]) + "\n---\n" if header else "") + _runs(parts)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp)
        (vault / ".obsidian").mkdir()
        (vault / "Good.md").write_text("# Good\nLoRA keeps the base weights frozen, see [[Hostile]].\n", encoding="utf-8")
        (vault / "Hostile.md").write_bytes(text.encode("utf-8", "surrogatepass"))
        started = time.monotonic()
        report = index_vault(vault)
        assert time.monotonic() - started < 60
        with reader(vault) as conn:
            status, reason, record = conn.execute("SELECT status, reason, record FROM notes WHERE path = ?",
                                                  ("Hostile.md",)).fetchone()
            passages = conn.execute("SELECT field, origin, text, line, end_line FROM passages WHERE path = ?",
                                    ("Hostile.md",)).fetchall()
            good = conn.execute("SELECT COUNT(*) FROM passages WHERE path = 'Good.md'").fetchone()[0]
    assert good > 0  # the good note is indexed whole
    if status == "skipped":  # control characters: a binary file, named so in kg status
        assert "binary" in reason and record is None
        return
    note = json.loads(record)
    assert status in ("ok", "warning")  # indexed as far as it got
    assert (reason is not None and limits.NOTE in reason) == (("Hostile.md", reason) in report.limited)
    assert len(note["links"]) <= 2 * limits.LINKS and len(note["footnotes"]) <= limits.FOOTNOTES
    assert len(note["footnote_refs"]) <= limits.FOOTNOTES and len(note["warnings"]) <= limits.WARNINGS + 1
    assert len(note["tags"]) <= limits.LINKS + limits.TAGS
    assert all(len(s["title"]) <= limits.TITLE_CHARS + 1 for s in note["sections"])
    claims = [p for p in passages if p[0] == "claim"]
    assert len(claims) <= limits.CLAIMS and sum(len(p[2]) for p in claims if p[1] != "field") <= limits.CLAIMS_CHARS
    assert all(len(p[2]) <= max(limits.CLAIM_CHARS, SECTION_CHARS + 2) for p in passages if p[1] != "field")
    assert all(1 <= p[3] <= p[4] <= max(note["line_count"], 1) for p in passages)
