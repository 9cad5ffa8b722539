"""Hostile notes, generated (never committed): each stresses one stage of ``kg index`` with one shape of text.

``CASES[name](scale)`` returns the note's bytes; ``scale=1.0`` is the size the hardening issue reported
(e.g. a 100,000-line paragraph, 500 KB of brackets, a 15 MiB list), a smaller scale the same shape shorter,
for a test that compares two sizes. Shared by ``tests/test_hostile_notes.py`` and
``benchmarks/hostile_bench.py`` (``pyproject.toml`` puts ``benchmarks/`` on the tests' path).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def long_paragraph(scale: float = 1.0) -> bytes:
    """100,000 lines without a blank line: one paragraph of short sentences, each on its line."""
    n = int(100_000 * scale)
    return "".join(f"Sentence {i} says that LoRA degrades reasoning on benchmark {i % 97}.\n"
                   for i in range(n)).encode()


def bracket_run(scale: float = 1.0) -> bytes:
    """500 KB of ``[``: every bracket opens a link label that markdown-it's rules try to close."""
    return _repeat("[", int(500_000 * scale)).encode()


def wikilink_run(scale: float = 1.0) -> bytes:
    """500 KB of ``[[``: 250,000 wiki-links opened, none closed."""
    return _repeat("[[", int(500_000 * scale)).encode()


def emphasis_run(scale: float = 1.0) -> bytes:
    """500 KB of ``*a``: 250,000 emphasis openers, none closed."""
    return _repeat("*a", int(500_000 * scale)).encode()


def mixed_brackets(scale: float = 1.0) -> bytes:
    """500 KB of the bracket shapes together, on lines of a paragraph: ``[``, ``[[``, ``![``, ``[^``, ``*a``, ``](``."""
    line = "[ [[ ![ [^ *a ]( [x]( *a_ [[a| ]] [!x] `[` " * 8 + "\n"
    return _repeat(line, int(500_000 * scale)).encode()


def single_line(scale: float = 1.0) -> bytes:
    """1 MB on one line: ordinary words, no sentence end, so one passage as long as the note."""
    words = "low rank adaptation keeps the base model frozen and trains small matrices instead "
    return ("# One line\n" + _repeat(words, int(1_000_000 * scale)) + "\n").encode()


def many_links(scale: float = 1.0) -> bytes:
    """A paragraph of 200,000 wiki-links (one line each, no blank line)."""
    n = int(200_000 * scale)
    return "".join(f"see [[Note {i}|n{i}]] and [m{i}](Other{i}.md)\n" for i in range(n)).encode()


def many_footnotes(scale: float = 1.0) -> bytes:
    """50,000 footnotes: a paragraph referencing them all, then their definitions."""
    n = int(50_000 * scale)
    refs = "".join(f"Claim {i} about LoRA forgetting[^{i}].\n" for i in range(n))
    defs = "".join(f"[^{i}]: Hu et al. 2021, arXiv:2106.{i % 10000:05d} and [[Source {i}]]\n" for i in range(n))
    return ("# Footnotes\n" + refs + "\n" + defs).encode()


def deep_yaml(scale: float = 1.0) -> bytes:
    """A 40 KB YAML header nested 20,000 deep (flow sequences), then a body."""
    depth = int(20_000 * scale)
    return ("---\ntitle: deep\nx: " + "[" * depth + "]" * depth + "\n---\n# Body\nText after a deep header.\n").encode()


def deep_yaml_block(scale: float = 1.0) -> bytes:
    """A YAML header of block mappings nested 2,000 deep (indentation grows: about 4 MB)."""
    depth = int(2_000 * scale)
    head = "".join(f"{' ' * i}k{i}:\n" for i in range(depth)) + " " * depth + "v\n"
    return ("---\ntitle: deep\n" + head + "---\n# Body\nText after a deep header.\n").encode()


def long_list(scale: float = 1.0) -> bytes:
    """A 15 MiB list: one item per line, each a short claim."""
    item = "- LoRA hurts reasoning on long chain-of-thought benchmarks, see [[Item]] #tag\n"
    return _repeat(item, int(15 * 2**20 * scale)).encode()


def deep_list(scale: float = 1.0) -> bytes:
    """A list nested 1,000 deep: every item one level under the one before (1 MB of indentation)."""
    depth = int(1_000 * scale)
    return "".join(f"{'  ' * i}- item {i} about LoRA\n" for i in range(depth)).encode()


def deep_quotes(scale: float = 1.0) -> bytes:
    """Callouts nested 1,000 deep: every line one ``>`` deeper than the one before."""
    depth = int(1_000 * scale)
    return "".join(f"{'>' * (i + 1)} [!note] level {i}\n" for i in range(depth)).encode()


CASES: dict[str, Callable[[float], bytes]] = {f.__name__: f for f in (
    long_paragraph, bracket_run, wikilink_run, emphasis_run, mixed_brackets, single_line, many_links,
    many_footnotes, deep_yaml, deep_yaml_block, long_list, deep_list, deep_quotes)}
