"""What a ``kg index`` run reports (the CLI prints it, ``--json`` and the servers give it as ``report_dict``).

Standard library only: the report of a run with nothing to do is made without importing the pipeline
(``unchanged.py``), the same record a full run makes (``indexing.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .. import limits
from ..index.generations import SearchReport


@dataclass(frozen=True)
class GraphReport:
    extracted: int
    removed: int
    claims: int
    risks: int
    full: bool
    reason: str | None = None  # why every note was extracted again


@dataclass(frozen=True)
class IndexReport:
    root: str
    notes: int
    parsed: int
    reused: int
    removed: int
    failed: int
    skipped: int
    attachments: int
    links: int
    unresolved: int
    repaired: int
    warnings: int
    seconds: float
    graph: GraphReport | None = None
    search: SearchReport | None = None
    stages: dict[str, float] | None = None  # seconds: list, parse, resolve, graph, search (embed, bm25, faiss …)
    reason: str | None = None  # why every note was parsed again
    limited: tuple[tuple[str, str], ...] = ()  # (path, reason) of notes indexed only as far as a limit of one note
    answerable_after: float | None = None  # seconds until the vault answered, when its vectors came later
    pending_notes: int = 0  # notes a first index's first slice left for its next transaction (``Slice``)


class Clock:
    """The seconds of a run's stages (``IndexReport.stages``), each lap from the one before."""

    def __init__(self):
        self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 4)
        self.last = now


def link_counts(conn) -> tuple[int, int]:
    """(links, unresolved links) the index holds."""
    links = conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    return links, conn.execute("SELECT COUNT(*) FROM links WHERE target IS NULL").fetchone()[0]


LIMITED = f"%({limits.NOTE})%"  # LIKE pattern of the reason of a note a limit of one note cut


def note_counts(conn) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """The index's notes by status, and every note indexed only as far as a limit of one note, with what its
    limit cut: (path, reason), by path."""
    return tally(conn.execute("SELECT path, status, reason, reason LIKE ? FROM notes", (LIMITED,)))


def tally(rows) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """``note_counts`` of (path, status, reason, reason LIKE LIMITED) rows: one pass over the notes table, whose
    rows carry each note's record (two passes cost 35 ms at 10,000 notes)."""
    counts: dict[str, int] = {}
    limited = []
    for path, status, reason, cut in rows:
        counts[status] = counts.get(status, 0) + 1
        if cut:
            limited.append((path, reason))
    return counts, tuple(sorted(limited))  # paths are unique: in path order


def answerable_now(report: IndexReport) -> str:
    """What the first transaction of a large first index (``IndexReport.pending_notes``, ``SearchReport.pending``)
    leaves to come while the vault already answers, for the CLI and the servers to say."""
    pending = report.search.pending if report.search else 0
    if report.pending_notes:
        done = report.notes - report.pending_notes
        return (f"answering from the {done:,} most recently modified notes of {report.notes:,} after "
                f"{report.seconds:.1f} s; the other {report.pending_notes:,} are being indexed, then the vectors "
                "computed")
    return f"answering from words and the graph after {report.seconds:.1f} s; {pending:,} passages are being embedded"


def notes_pending(count: int) -> str:
    """What an answer from a first index's first slice says (``IndexReport.pending_notes``)."""
    return (f"{count:,} notes are not indexed yet (a first index answers from the most recently modified notes "
            "first; `kg index` is adding the others, or was stopped: run it again): answers come from the notes "
            "indexed so far")


def report_dict(report: IndexReport) -> dict:
    from ..model import to_dict  # the records' module (10 ms): only for --json

    return to_dict(report)


__all__ = ["LIMITED", "Clock", "GraphReport", "IndexReport", "SearchReport", "answerable_now", "link_counts",
           "note_counts", "notes_pending", "report_dict", "tally"]
