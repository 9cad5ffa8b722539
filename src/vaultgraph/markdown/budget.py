"""markdown-it rules that keep one note's parse within its budget (see ``vaultgraph.limits``).

* ``block_guard``, the first block rule, is tried wherever a block may start: past ``BLOCK_TOKENS`` block
  tokens or past the deadline, it takes every remaining line and the block parse ends there.
* ``inline_guard``, the first inline rule, is tried at every position where markdown-it tries its inline
  rules (also inside the link-label scans that make a run of ``[`` expensive): past ``INLINE_STEPS``
  positions or past the deadline, the rest of the inline text is plain text (no links, tags or emphasis
  are read from it; its words still are).

Both record where they stopped in the parse's ``env``; ``stops`` turns that into one line per limit for
the note's warnings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from .. import limits

KEY = "vaultgraph_budget"
MAX_NESTING = 20  # markdown-it's maxNesting (commonmark preset): block levels; a list takes two, a quote one
_CLOCK_EVERY = 1024  # inline steps between two looks at the clock


@dataclass
class Spent:
    """What one parse has used so far (markdown-it's ``env`` is the only state its rules share)."""

    until: float | None
    seconds: float = 0.0  # the budget ``until`` was set from, for the message
    steps: int = 0
    block_stop: tuple[int, str] | None = None  # (1-based line where the block parse stopped, why)
    inline_stop: tuple[int, str] | None = None  # (line from which inline text was read as plain text, why)
    too_deep: tuple[int, int] | None = None  # first and last line of the first block nested past maxNesting
    line: int = 1  # first line of the inline text being parsed
    out_of_time: bool = False


def budget_plugin(md: MarkdownIt) -> None:
    """Add the guards (after every other plugin: they wrap the rules that scan link labels)."""
    md.block.tokenize = _noting_depth(md.block.tokenize)  # type: ignore[method-assign]
    md.block.ruler.before("table", "budget", block_guard)
    md.inline.ruler.before("text", "budget", inline_guard)
    md.core.ruler.at("inline", _inline)
    for name in ("link", "image", "footnote_inline"):
        rule = next((r.fn for r in md.inline.ruler.__rules__ if r.name == name), None)
        if rule is not None:
            md.inline.ruler.at(name, _closed_labels_only(rule))


def _noting_depth(tokenize):
    """markdown-it's block ``tokenize``, noting where it skips content nested past ``maxNesting`` levels (list
    items about 10 deep, quotes 20 deep): markdown-it drops those lines without a word."""

    def noting(state: StateBlock, start: int, end: int) -> None:
        spent: Spent | None = state.env.get(KEY)
        if spent is not None and spent.too_deep is None and state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                spent.too_deep = (line + 1, end)
        tokenize(state, start, end)

    return noting


def _closed_labels_only(rule):
    """``rule`` (one that scans a link label from a ``[``), refused at once when no ``]`` follows.

    The label scan tries every inline rule at every position up to the closing bracket, nesting up to
    markdown-it's ``maxNesting``; in a run of ``[`` with no ``]`` after it, that costs ~20 rule tries per
    bracket to find nothing (500 KB of ``[``: 30 s). With no ``]`` after ``pos`` the scan can only fail, so
    the answer is the same."""

    def guarded(state: StateInline, silent: bool) -> bool:
        last = getattr(state, "_vg_last_close", None)
        if last is None or last[0] is not state.src:
            last = (state.src, state.src.rfind("]"))
            state._vg_last_close = last  # type: ignore[attr-defined]
        if last[1] < state.pos:
            return False
        return rule(state, silent)

    return guarded


def new_env(until: float | None, seconds: float | None) -> dict:
    """The ``env`` of one parse: wall clock until ``until`` (``time.monotonic()``; ``seconds`` is said when it runs out)."""
    return {KEY: Spent(until, seconds or 0.0)}


def _late(spent: Spent) -> bool:
    if spent.until is not None and time.monotonic() > spent.until:
        spent.out_of_time = True
    return spent.out_of_time


def block_guard(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    spent: Spent | None = state.env.get(KEY)
    if spent is None:
        return False
    if spent.block_stop is None:
        if len(state.tokens) <= limits.BLOCK_TOKENS and not _late(spent):
            return False
        spent.block_stop = (start + 1, f"over {spent.seconds:g} s to parse" if spent.out_of_time
                            else f"over {limits.BLOCK_TOKENS:,} Markdown block tokens")
    state.line = end
    return True


def inline_guard(state: StateInline, silent: bool) -> bool:
    spent: Spent | None = state.env.get(KEY)
    if spent is None:
        return False
    if spent.inline_stop is None:
        spent.steps += 1
        if spent.steps <= limits.INLINE_STEPS and (spent.steps % _CLOCK_EVERY or not _late(spent)):
            return False
        spent.inline_stop = (spent.line + state.src.count("\n", 0, state.pos),
                             f"over {spent.seconds:g} s to parse" if spent.out_of_time
                             else f"over {limits.INLINE_STEPS:,} steps of inline Markdown")
    if not silent:
        state.pending += state.src[state.pos:state.posMax]
    state.pos = state.posMax
    return True


def _inline(state: StateCore) -> None:
    """markdown-it's ``inline`` core rule, telling the guard on which line each inline text starts."""
    spent: Spent | None = state.env.get(KEY)
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if spent is not None and token.map:
                spent.line = token.map[0] + 1
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def stops(env: dict) -> list[tuple[int, str]]:
    """(line, message) for each limit this parse met."""
    spent: Spent | None = env.get(KEY)
    if spent is None:
        return []
    out = []
    if spent.block_stop:
        out.append((spent.block_stop[0], f"{spent.block_stop[1]}: not parsed from this line on ({limits.NOTE})"))
    if spent.too_deep:
        first, last = spent.too_deep
        out.append((first, f"lists nested over {MAX_NESTING // 2} deep or quotes over {MAX_NESTING}: lines "
                           f"{first:,}-{last:,} not parsed ({limits.NOTE})"))
    if spent.inline_stop:
        out.append((spent.inline_stop[0], f"{spent.inline_stop[1]}: links, tags and emphasis not read "
                                          f"from this line on ({limits.NOTE})"))
    return sorted(out)
