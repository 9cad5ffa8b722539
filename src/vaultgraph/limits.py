"""What one note may cost ``kg index``: limits on what it produces, and a wall-clock budget.

Every stage is linear in the size of a note, but a note may hold up to 16 MiB, and some shapes of text cost
far more per character than prose (a run of ``[`` makes markdown-it try a link label at every bracket). So
each note is parsed and extracted within these limits. Past one, the note is indexed as far as it got and
reported with the reason (``kg status``, the index report): nothing is dropped silently.

Ordinary notes never meet them: the demo vault, the user's seed notes and the 40 largest notes of a
10,000-note vault from ``benchmarks/vaultgen.py`` have at most 479 KB, 18,245 block tokens, 15,912 inline
steps, 1,564 links, 154 footnotes, a 56 KB header, 2,839 claims of at most 661 characters and 273,000 in
all, and a heading path of 181 characters. The claims' limits are the tightest, because every claim is
embedded: at them, ``kg index`` of one note costs about what the largest of those notes costs (see
``benchmarks/hostile_bench.py``).
"""

from __future__ import annotations

import time

NOTE = "limit of one note"  # every warning a limit gives ends with "(limit of one note)"

NOTE_SECONDS = 6.0  # wall clock for decoding and parsing one note; past it the rest is read as plain text
PARSE_BYTES = 2**20  # bytes of a note that are parsed (whole lines); the lines after are reported, not indexed
FRONTMATTER_CHARS = 256 * 1024  # of a YAML header read as properties (the user's longest: 56 KB); past it, none
BLOCK_TOKENS = 100_000  # markdown-it block tokens (a paragraph is 3, a list item 5, a table cell 3)
INLINE_STEPS = 200_000  # positions where markdown-it's inline rules are tried, for the whole note
LINKS = 10_000  # links (wiki and Markdown) kept per note
FOOTNOTES = 5_000  # footnote definitions, and as many references
TAGS = 1_000  # tags of a frontmatter header
TITLE_CHARS = 1_000  # characters of a heading (its path is repeated on every claim under it)
CLAIMS = 5_000  # claims (list items, sentences, paragraphs, table rows) per note
CLAIM_CHARS = 2_000  # characters of one claim: a longer one is cut into pieces, each a claim
CLAIMS_CHARS = 300_000  # characters of all claims of a note
WARNINGS = 20  # warnings kept per note (and how many more there were)
QUESTION_CHARS = 1_000  # characters of a question read (a 100 KB one took 8-10 s and 2.2 GB): the rest is cut


def deadline(seconds: float = NOTE_SECONDS) -> float:
    """The ``time.monotonic()`` value past which a note's budget is spent."""
    return time.monotonic() + seconds

