"""A first index of a vault larger than a first slice answers from its most recently modified notes first.

``index_vault`` commits the slice alone (words and the graph), then the other notes with one bulk build of the
graph, then the vectors. Here the slice is a few notes of the demo vault. Questions asked after the slice cite
only the slice's notes and say how many notes are not indexed yet; the finished index is the one a build in one
go gives, table for table and triple for triple; a run stopped after the slice leaves an index that answers, and
the next ``kg index`` adds the rest.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import INDEX_TABLES, ask_once, observed, run_kg

from vaultgraph.service import index_vault, status
from vaultgraph.limits import PARSE_BYTES
from vaultgraph.service.indexing import Slice
from vaultgraph.service.reports import answerable_now
from vaultgraph.vault.files import VaultFile

SLICE = Slice(notes=6, size=10**9)
QUESTION = "risks of LoRA on CoT"
RECENT = ("methods/LoRA.md", "analyses/Риски LoRA для CoT.md")


def _touch_recent(vault) -> set[str]:
    """Make every note a day old but ``RECENT``, written now: the slice must hold those."""
    day = 86_400
    for path in vault.rglob("*.md"):
        if ".kg" not in path.parts:
            os.utime(path, (path.stat().st_atime, path.stat().st_mtime - day))
    for name in RECENT:
        assert (vault / name).is_file(), name
        os.utime(vault / name)
    return set(RECENT)


def _ask(vault, question: str = QUESTION):
    return ask_once(vault, question)


def _cited(result) -> set[str]:
    return {c["path"] for a in result.answers for c in a.to_dict()["citations"]}


def test_the_slice_answers_first_then_the_index_is_the_one_built_in_one_go(demo_vault, tmp_path):
    whole = tmp_path / "whole"
    shutil.copytree(demo_vault, whole)
    recent = _touch_recent(demo_vault)
    seen = {}

    def answerable(first) -> None:  # between the slice's transaction and the rest's
        seen.update(report=first, result=_ask(demo_vault), status=status(demo_vault))

    report = index_vault(demo_vault, first_slice=SLICE, on_answerable=answerable)
    first, early = seen["report"], seen["result"]
    assert first.notes == report.notes > 40 and first.parsed == SLICE.notes
    assert first.pending_notes == report.notes - SLICE.notes and first.reused == 0
    assert seen["status"]["search"]["notes_pending"] == first.pending_notes
    assert len(seen["status"]["new"]) == first.pending_notes  # the others are listed, not yet indexed
    in_slice = set(_slice_paths(demo_vault))
    assert recent <= in_slice and len(in_slice) == SLICE.notes
    assert early.answers and recent & _cited(early) and _cited(early) <= in_slice, _cited(early)
    assert any(f"{first.pending_notes:,} notes are not indexed yet" in n for n in early.notices), early.notices
    said = answerable_now(first)  # what `kg index` and `kg serve` say at that moment
    assert f"from the {SLICE.notes} most recently modified notes of {first.notes}" in said, said
    assert f"the other {first.pending_notes} are being indexed" in said

    assert report.parsed == report.notes - report.failed - report.skipped and report.reused == 0
    assert report.pending_notes == 0 and report.answerable_after == pytest.approx(first.seconds)
    assert report.graph.full and report.graph.reason == "the rest of a first index"
    assert report.graph.extracted == report.parsed and "rest.graph" in report.stages
    assert report.search.pending == 0 and report.search.model == "fake"
    late = _ask(demo_vault)
    assert not any("not indexed yet" in n for n in late.notices) and status(demo_vault)["search"]["notes_pending"] == 0

    index_vault(whole, first_slice=None)
    (tables, rdf), (tables_whole, rdf_whole) = observed(demo_vault), observed(whole)
    for name in INDEX_TABLES:
        assert tables[name] == tables_whole[name], name
    assert rdf == rdf_whole and rdf.count("\n") > 1000
    assert [a.to_dict() for a in late.answers] == [a.to_dict() for a in _ask(whole).answers]


def _slice_paths(vault) -> list[str]:
    """The notes the slice holds: the ``SLICE.notes`` most recently modified."""
    files = [VaultFile(p.relative_to(vault).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
             for p in vault.rglob("*.md") if ".kg" not in p.parts]
    return [f.path for f in SLICE.split(files)[0]]


def test_a_run_stopped_after_the_slice_leaves_an_index_that_answers_and_the_next_adds_the_rest(demo_vault):
    _touch_recent(demo_vault)

    def stop(first) -> None:
        raise KeyboardInterrupt  # a user's Ctrl-C once the slice is committed

    with pytest.raises(KeyboardInterrupt):
        index_vault(demo_vault, first_slice=SLICE, on_answerable=stop)

    shown = run_kg("status", "--vault", str(demo_vault)).stdout
    assert "others are not indexed yet" in shown
    asked = run_kg("ask", QUESTION, "--vault", str(demo_vault), "--json", env={"KG_SERVER": "0"})
    assert json.loads(asked.stdout)["answers"] and "notes are not indexed yet" in asked.stderr
    pending = f"{json.loads(run_kg('status', '--vault', str(demo_vault), '--json').stdout)['search']['notes_pending']}"
    compared = run_kg("compare", "LoRA", "QLoRA", "--vault", str(demo_vault), "--json", env={"KG_SERVER": "0"})
    assert json.loads(compared.stdout)["notices"] and f"kg: {pending} notes are not indexed yet" in compared.stderr
    explained = run_kg("why", "LoRA", "CoT", "--vault", str(demo_vault), env={"KG_SERVER": "0"}, check=False)
    assert f"kg: {pending} notes are not indexed yet" in explained.stderr, explained.stderr

    again = json.loads(run_kg("index", "--vault", str(demo_vault), "--json").stdout)
    assert again["parsed"] == again["notes"] - SLICE.notes - again["failed"] - again["skipped"]
    assert again["graph"]["full"] and again["graph"]["reason"] == "the rest of a first index"
    assert again["search"]["pending"] == 0
    assert json.loads(run_kg("status", "--vault", str(demo_vault), "--json").stdout)["search"]["notes_pending"] == 0
    assert not any("not indexed yet" in n for n in _ask(demo_vault).notices)
    compared = run_kg("compare", "LoRA", "QLoRA", "--vault", str(demo_vault), "--json", env={"KG_SERVER": "0"})
    assert "notices" not in json.loads(compared.stdout) and "not indexed yet" not in compared.stderr
    unchanged = json.loads(run_kg("index", "--vault", str(demo_vault), "--json").stdout)
    assert unchanged["parsed"] == 0 and not unchanged["graph"]["extracted"]


def test_a_vault_within_the_slice_is_indexed_in_one_transaction(demo_vault):
    calls = []
    report = index_vault(demo_vault, first_slice=Slice(notes=1_000, size=10**9), on_answerable=calls.append,
                         defer_vectors_above=None)
    assert not calls and report.answerable_after is None and report.pending_notes == 0
    assert not any(stage.startswith("rest.") for stage in report.stages)


def _file(path: str, size: int, mtime: int) -> VaultFile:
    return VaultFile(path, size, mtime)


def test_the_slice_is_the_most_recently_modified_notes_within_its_notes_and_bytes():
    files = [_file("a.md", 10, 1), _file("b.md", 10, 3), _file("c.md", 10, 2), _file("d.md", 10, 3)]
    taken, rest = Slice(notes=2, size=100).split(files)
    assert [f.path for f in taken] == ["b.md", "d.md"] and [f.path for f in rest] == ["c.md", "a.md"]
    taken, rest = Slice(notes=10, size=25).split(files)
    assert [f.path for f in taken] == ["b.md", "d.md"] and len(rest) == 2
    taken, rest = Slice(notes=10, size=5).split(files)  # a note larger than the slice: at least one
    assert [f.path for f in taken] == ["b.md"]
    assert Slice(notes=4, size=40).split(files) == (files, [])


def test_a_huge_note_counts_the_bytes_parsed_of_it():
    # a note is parsed up to PARSE_BYTES: three notes, one of 11 MB, fit a 6 MiB slice and are indexed in one go
    files = [_file("huge.md", 11 * 10**6, 3), _file("a.md", 100, 1), _file("b.md", 100, 2)]
    assert Slice(notes=1_000, size=6 * 2**20).split(files) == (files, [])
    taken, rest = Slice(notes=1_000, size=2 * PARSE_BYTES).split(files + [_file("big.md", 5 * 10**6, 4)])
    assert [f.path for f in taken] == ["big.md", "huge.md"] and [f.path for f in rest] == ["b.md", "a.md"]
