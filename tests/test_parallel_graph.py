"""Many notes' graph products are made by worker processes: the index they give is the one a single process
gives, table for table and triple for triple (service/per_note.py)."""

import shutil

from conftest import INDEX_TABLES as TABLES, observed

from vaultgraph.service import per_note
from vaultgraph.service.indexing import index_vault


def test_workers_build_the_same_index_as_one_process(demo_vault, tmp_path, monkeypatch):
    one = demo_vault
    many = tmp_path / "many"
    shutil.copytree(one, many, ignore=shutil.ignore_patterns(".kg"))
    index_vault(one, workers=1, defer_vectors_above=None)
    monkeypatch.setattr(per_note, "PARALLEL_ABOVE", 2)  # the demo vault's 47 notes go to the workers
    report = index_vault(many, workers=2, defer_vectors_above=None)
    assert report.graph.extracted == report.notes - report.failed - report.skipped > 40

    (tables_one, rdf_one), (tables_many, rdf_many) = observed(one), observed(many)
    for name in TABLES:
        assert tables_many[name] == tables_one[name], name
    assert tables_one["passages"] and tables_one["reason_contrib"] and tables_one["claim_order"]
    assert rdf_many == rdf_one and rdf_one.count("\n") > 1000


def test_a_change_of_the_rules_extracts_stored_notes_in_workers(demo_vault, monkeypatch):
    """A full extraction without parsing (the signature changed) reads the stored records: the workers get them."""
    index_vault(demo_vault, workers=1, defer_vectors_above=None)
    before = observed(demo_vault)
    monkeypatch.setattr(per_note, "PARALLEL_ABOVE", 2)
    report = index_vault(demo_vault, workers=2, rebuild=False, defer_vectors_above=None)
    assert report.graph is not None and report.graph.extracted == 0  # nothing changed: nothing made

    from vaultgraph.service import signature

    monkeypatch.setattr(signature, "EXTRACT_VERSION", "test-" + signature.EXTRACT_VERSION)
    report = index_vault(demo_vault, workers=2, defer_vectors_above=None)
    assert report.parsed == 0 and report.graph.full and report.graph.extracted > 40
    after = observed(demo_vault)
    tables_before, tables_after = before[0], after[0]
    for name in TABLES:
        if name != "notes":  # a note's graph key holds the signature, which changed
            assert tables_after[name] == tables_before[name], name
    assert after[1] == before[1]
