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
