"""Scoring ranked, cited answers against a gold set: hit@k and MRR.

A question is hit at rank r when the r-th answer cites a line L of an expected path with
``start <= L <= end`` (any of the answer's citations counts: a collapsed answer cites every place
that says the same thing). MRR is the mean of 1/r of the first hit (0 when none in the list).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Ranked = Sequence[Iterable[tuple[str, int]]]  # per rank: the (path, line) citations of one answer


def first_hit(ranked: Ranked, expect: list[dict]) -> int | None:
    """1-based rank of the first answer citing an expected place, or None."""
    for rank, cites in enumerate(ranked, 1):
        for path, line in cites:
            if any(path == e["path"] and e["lines"][0] <= line <= e["lines"][1] for e in expect):
                return rank
    return None


@dataclass(frozen=True)
class Scores:
    n: int
    hit1: float
    hit5: float
    mrr: float

    def row(self) -> str:
        return f"{self.n:>4}  {self.hit1:6.3f}  {self.hit5:6.3f}  {self.mrr:6.3f}"


def scores(ranks: list[int | None]) -> Scores:
    n = len(ranks)
    if not n:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(n, sum(r == 1 for r in ranks) / n, sum(r is not None and r <= 5 for r in ranks) / n,
                  sum(1.0 / r for r in ranks if r) / n)
