"""The claims of a note nearest to a line, by topic, without scanning every claim for every question.

A solution mitigates the nearest risks on its topic, a consequence follows from the nearest problem
sharing its concept. Sorting every candidate for every solution was quadratic (2,000 risks and 2,000
solutions on one topic took 13 s); here each topic's claims are kept sorted by line, and only the
``k`` nearest lines on either side of the question are looked at. The answer is what a stable sort of all
candidates by (distance, line) gave, in the order the claims were made.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from .records import Claim


class Nearby:
    """Claims grouped by key (a topic, or one group of all), for ``nearest``."""

    def __init__(self, groups: dict[str, list[Claim]], order: dict[int, int]):
        self._order = order  # id() of a claim → its position among the note's claims (the tie-break)
        self._runs: dict[str, tuple[list[int], list[list[Claim]]]] = {}
        for key, members in groups.items():
            lines: list[int] = []
            runs: list[list[Claim]] = []
            for claim in sorted(members, key=lambda c: (c.line, order[id(c)])):
                if lines and lines[-1] == claim.line:
                    runs[-1].append(claim)
                else:
                    lines.append(claim.line)
                    runs.append([claim])
            self._runs[key] = (lines, runs)

    def nearest(self, line: int, keys: Iterable[str], k: int, by_id: bool = False) -> list[Claim]:
        """The ``k`` claims of the groups ``keys`` nearest to ``line`` (by distance, then line, then order);
        ``by_id``: claims with one id (the same sentence twice on a line) count once."""
        found: dict = {}
        for key in keys:
            if key not in self._runs:
                continue
            lines, runs = self._runs[key]
            i = bisect.bisect_left(lines, line)
            for run in runs[max(0, i - k):i + k]:  # the k nearest lines on either side: enough for k claims
                for claim in run[:k]:
                    found.setdefault(id(claim), claim)
        ranked = sorted(found.values(), key=lambda c: (abs(c.line - line), c.line, self._order[id(c)]))
        if by_id:
            ranked = list({c.id: c for c in reversed(ranked)}.values())[::-1]
        return ranked[:k]


def grouped(claims: list[Claim], keys_of) -> dict[str, list[Claim]]:
    """``claims`` under each key ``keys_of(claim)`` gives."""
    out: dict[str, list[Claim]] = {}
    for claim in claims:
        for key in keys_of(claim):
            out.setdefault(key, []).append(claim)
    return out
