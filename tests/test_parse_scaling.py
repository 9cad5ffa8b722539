"""The parser stays linear on large notes (notes up to 16 MiB are indexed).

Each case parses a synthetic note and one 4x larger, best of 3 runs with the garbage collector off,
and asserts the larger took under 6x as long; the quadratic versions took 9-20x at these sizes, the
cubic ones 40-80x. A ratio over the limit is measured again, up to three times (on a loaded CI
machine one burst once made a linear case look 15x).
Each case also checks the result on the large note.
"""

from __future__ import annotations

import gc
import time

from markdown_it.rules_inline import StateInline

from vaultgraph.markdown import parse_text
from vaultgraph.markdown.parser import markdown
from vaultgraph.markdown.plugins import _wikilink
from vaultgraph.markdown.fields import _CODE_SPAN, mask_code_spans
from vaultgraph.markdown.walk import _UID, _find_uid, walk

MAX_RATIO = 6.0
FLOOR = 0.001  # seconds: a parse faster than this is timer noise, not a base to divide by


def assert_linear(make, n: int, run=lambda text: parse_text(text, "big.md")):
    small, large = make(n), make(4 * n)
    for _ in range(3):
        t_small = t_large = float("inf")
        gc.collect()
        gc.disable()
        try:
            for _ in range(3):  # interleaved, so that a burst of load on the machine hits both sizes
                start = time.perf_counter()
                run(small)
                t_small = min(t_small, time.perf_counter() - start)
                start = time.perf_counter()
                run(large)
                t_large = min(t_large, time.perf_counter() - start)
        finally:
            gc.enable()
        ratio = t_large / max(t_small, FLOOR)
        if ratio < MAX_RATIO:  # a burst of load can hit the large run alone: measure again, up to 3 times
            break
    assert ratio < MAX_RATIO, f"4x the input took {ratio:.1f}x as long ({t_small:.3f} s -> {t_large:.3f} s)"


# --- links and tags: their line was counted from the start of the paragraph, for each one ---

def _paragraph_of_links(n: int) -> str:
    filler = "and a fair amount of ordinary prose around it so that the paragraph is long"
    return "".join(f"Line {i} cites [[Note {i}|alias]] {filler}, then #topic{i % 50} closes it.\n"
                   for i in range(n))


def test_links_and_tags_in_one_long_paragraph_scale_linearly():
    assert_linear(_paragraph_of_links, 1000)
    note = parse_text(_paragraph_of_links(4000), "big.md")
    assert len(note.links) == 4000 and len(note.tags) == 4000
    assert (note.links[-1].target, note.links[-1].line, note.links[-1].alias) == ("Note 3999", 4000, "alias")
    assert (note.links[1234].target, note.links[1234].line) == ("Note 1234", 1235)
    assert (note.tags[-1].name, note.tags[-1].line) == ("topic49", 4000)
    assert len(note.blocks) == 1  # one paragraph: every line is an offset into the same inline text


def _one_line_of_links(n: int) -> str:
    return " ".join(f"[[Note {i}]] #t{i}" for i in range(n)) + "\nthen [[Last]] #last\n"


def test_links_on_one_very_long_line_scale_linearly():
    assert_linear(_one_line_of_links, 2000)
    note = parse_text(_one_line_of_links(8000), "big.md")
    assert len(note.links) == 8001 and {l.line for l in note.links[:-1]} == {1}
    assert (note.links[-1].target, note.links[-1].line) == ("Last", 2)
    assert (note.tags[-1].name, note.tags[-1].line) == ("last", 2)


# --- a "[[" never closed: the rule searched the rest of the text for "]]" ---

def _unclosed(n: int) -> str:
    return "".join(f"line {i} opens [[ but never closes it, and goes on with plain words\n" for i in range(n))


def _run_wikilink_rule(src: str) -> None:
    """The wikilink rule as markdown-it calls it, at every "[[", on one paragraph's inline text.

    Timed alone: markdown-it's own link-label scan of these brackets costs more than the rule did.
    """
    state = StateInline(src, markdown(), {}, [])
    pos = src.find("[[")
    while pos >= 0:
        state.pos = pos
        assert not _wikilink(state, False)
        pos = src.find("[[", pos + 2)


def test_unclosed_wikilinks_scale_linearly():
    assert_linear(_unclosed, 2000, run=_run_wikilink_rule)
    note = parse_text(_unclosed(2000) + "and at last a real [[Link]]\n", "big.md")
    assert [(l.target, l.line) for l in note.links] == [("Link", 2001)]


# --- sections: each heading scanned (and copied) the rest of the heading list ---

def _headings(n: int) -> str:
    return "".join(f"{'#' * (1 + i % 3)} Heading {i}\n" for i in range(n))


def _walker(text: str):
    """Sections are closed by the walk over the tokens; markdown-it's tokenizing is left out of the
    timing (for 40,000 headings it takes seconds and would drown the walk's share)."""
    lines = text.split("\n")
    tokens = markdown().parse(text)

    def walk_it():
        walk_it.collected = walk(tokens, lines)

    return walk_it


def test_many_headings_scale_linearly():
    walkers = {n: _walker(_headings(n)) for n in (10_000, 40_000)}
    assert_linear(lambda n: walkers[n], 10_000, run=lambda walk_it: walk_it())
    sections = walkers[40_000].collected.sections
    assert len(sections) == 40_000
    # Levels cycle 1, 2, 3: a level-1 section runs to the line before the next level-1 heading.
    assert [(s.level, s.line, s.end_line) for s in sections[:4]] == [(1, 1, 3), (2, 2, 3), (3, 3, 3), (1, 4, 6)]
    assert [(s.title, s.level, s.line, s.end_line) for s in sections[-3:]] == [
        ("Heading 39997", 2, 39_998, 39_999), ("Heading 39998", 3, 39_999, 39_999), ("Heading 39999", 1, 40_000, 40_000)]
    assert sections[-2].path == ("Heading 39996", "Heading 39997", "Heading 39998")


def _callouts_with_headings(n: int) -> str:
    return "".join(f"> [!note] T{i}\n> ## H{i}\n> text {i}\n\nroot text {i}\n\n" for i in range(n))


def test_headings_in_many_callouts_scale_linearly():
    # As in a chat export: no heading of one callout closes another's, so each scanned all the rest.
    walkers = {n: _walker(_callouts_with_headings(n)) for n in (1000, 4000)}
    assert_linear(lambda n: walkers[n], 1000, run=lambda walk_it: walk_it())
    collected = walkers[4000].collected
    assert len(collected.sections) == 4000 and len(collected.callouts) == 4000
    for i, (section, callout) in enumerate(zip(collected.sections, collected.callouts)):
        assert (section.title, section.line, section.end_line, section.callout) == (f"H{i}", 6 * i + 2, 6 * i + 3, i)
        assert (callout.line, callout.end_line) == (6 * i + 1, 6 * i + 3)


def test_a_quote_opened_after_a_nested_one_is_a_container_of_its_own():
    # Containers were numbered by id(): once the nested quote was freed, the next quote took its
    # address and shared a number with the one after, so HC's section ran on to the line "root".
    one = "> a\n> > b\n\n> ## HC{i}\n> c\n\nroot\n\n> ## HD{i}\n> d\n\n"
    note = parse_text("".join(one.format(i=i) for i in range(200)), "big.md")
    assert [(s.title, s.line, s.end_line) for s in note.sections] == [
        (f"H{x}{i}", 11 * i + line, 11 * i + line + 1) for i in range(200) for x, line in (("C", 4), ("D", 9))]


# --- very long lines: regexes that rescanned runs of blanks or of backticks ---

def test_inline_field_with_a_long_run_of_blanks_scales_linearly():
    assert_linear(lambda n: "a:: x" + " " * n + "y\n", 5000)
    (field,) = parse_text("a:: x" + " " * 20_000 + "y\n", "big.md").fields
    assert (field.key, field.value, field.line) == ("a", "x" + " " * 20_000 + "y", 1)


def test_bracketed_field_never_closed_scales_linearly():
    assert_linear(lambda n: "[k::" + " " * n + "y\n", 250)
    assert parse_text("[k::" + " " * 1000 + "y\n", "big.md").fields == ()
    (field,) = parse_text("see [k:: " + " " * 1000 + "v  ] here\n", "big.md").fields
    assert (field.key, field.value, field.bracketed) == ("k", "v", True)


def test_chat_title_with_a_long_run_of_blanks_scales_linearly():
    make = lambda n: "> [!nexus_user] Me" + " " * n + "too - 01.02.2024 10:30\n> hi\n"  # noqa: E731
    assert_linear(make, 5000)
    (message,) = parse_text(make(20_000), "big.md").messages
    assert (message.author, message.timestamp) == ("Me" + " " * 20_000 + "too", "2024-02-01T10:30")


def test_field_line_with_a_long_run_of_backticks_scales_linearly():
    assert_linear(lambda n: "a:: " + "`" * n + "x" * n + "\n", 200)
    (field,) = parse_text("a:: " + "`" * 800 + "x" * 800 + "\n", "big.md").fields
    assert field.value == "`" * 800 + "x" * 800
    for text in ("a:: `x` and ``y`` and ```z", "``x`y``", "````x``y```", "`", "a`b``c```d``e`f", "x::``"):
        assert mask_code_spans(text) == _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text), text


def test_uid_comment_of_many_unfinished_starts_scales_linearly():
    make = lambda n: "> [!nexus_user] Me\n> hi\n\n" + "<!--UID:" * n + "> <!-- UID: abc -->\n"  # noqa: E731
    assert_linear(make, 2000)
    (message,) = parse_text(make(8000), "big.md").messages
    assert message.uid == "abc"
    for text in ("<!-- UID: a-->", "<!--UID:a -->", "<!--UID:<!-- UID: b -->", "<!-- UID: -->", "<!--UID:x>-->"):
        found = _UID.search(text)
        assert _find_uid(text) == (found.group(1) if found else None), text
