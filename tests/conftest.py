"""Shared test helpers. Paths are taken from this file, never from the working directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaultgraph.markdown import parse_bytes

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
DEMO_VAULT = REPO / "vault"
SEEDS = REPO.parent / "shared" / "seeds"
KG = Path(sys.executable).with_name("kg")


def parse_fixture(name: str):
    return parse_bytes((FIXTURES / name).read_bytes(), name)


def run_kg(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True):
    """Run the real ``kg`` console script."""
    import os

    full_env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    full_env.setdefault("KG_MODEL", "fake")  # tests of the real model ask for it
    full_env.update(env or {})
    result = subprocess.run([str(KG), *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def fixture_vault(root: Path, notes: dict[str, str]) -> Path:
    """A vault at ``root`` made of fixture files (fixture name → note path in the vault)."""
    (root / ".obsidian").mkdir(parents=True)
    for name, target in notes.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, root / target)
    return root


INDEX_TABLES = {  # what an index holds, table by table, in a form two indexes compare by
    "passages": "SELECT id, path, line, end_line, heading, field, kinds, role, text, context, about, affects, "
                "involves, direction, cost, sources, author, weight, topic, position, origin, digest FROM passages",
    "passage_concepts": "SELECT p.id, c.concept, c.rel, c.kinds, c.field FROM passage_concepts c "
                        "JOIN passages p ON p.row = c.row",
    "relations": "SELECT path, src, rel, dst FROM relations",
    "claim_order": "SELECT p.id, o.nav, o.ork, o.skey, o.dkey, o.ckey, o.path, o.id, o.kinds, o.direction, o.affects, "
                   "o.has_sources "
                   "FROM claim_order o JOIN passages p ON p.row = o.row",
    "terms": "SELECT * FROM terms",
    "reason_contrib": "SELECT * FROM reason_contrib",
    "reason_edges": "SELECT * FROM reason_edges",
    "reason_degree": "SELECT * FROM reason_degree",
    "notes": "SELECT path, status, reason, graph_key FROM notes",
}


def observed(vault):
    """The index's tables (``INDEX_TABLES``, rows sorted) and its graph as N-Triples (``kg export``)."""
    import sqlite3

    with sqlite3.connect(vault / ".kg" / "index.sqlite") as conn:
        tables = {name: sorted(map(repr, conn.execute(sql))) for name, sql in INDEX_TABLES.items()}
    return tables, run_kg("export", "--vault", str(vault), "--format", "nt").stdout


def ask_once(vault: Path, question: str):
    """The ``Result`` of one question asked of ``vault`` by a ``Searcher`` of its own (closed after)."""
    from vaultgraph.service.asking import Searcher

    searcher = Searcher(vault)
    try:
        return searcher.ask(question)
    finally:
        searcher.close()


@pytest.fixture(autouse=True)
def fake_embedder_by_default(monkeypatch):
    """Index with the deterministic fake embedder unless a test names a model (the real one is slow to
    load and is tested on its own, end to end)."""
    import vaultgraph.index.build as build

    monkeypatch.setattr(build, "DEFAULT_MODEL", "fake")


@pytest.fixture
def demo_vault(tmp_path: Path) -> Path:
    """A private copy of the demo vault (tests must not write into the repository)."""
    return demo_copy(tmp_path / "vault")


def demo_copy(target: Path, index: bool = False) -> Path:
    """The demo vault copied to ``target`` without its ``.kg``; with ``index``, indexed by the real ``kg``."""
    shutil.copytree(DEMO_VAULT, target, ignore=shutil.ignore_patterns(".kg"))
    if index:
        run_kg("index", str(target))
    return target


@pytest.fixture
def seed_vault(tmp_path: Path) -> Path:
    """The five real seed notes placed into a temporary vault (skipped when shared/ is absent)."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    target = tmp_path / "seeds"
    (target / ".obsidian").mkdir(parents=True)
    for f in sorted(SEEDS.glob("0*.txt")):
        shutil.copy(f, target / (f.stem + ".md"))
    # seed 004's own name in the user's vault (it links to itself by that name)
    shutil.copy(SEEDS / "004_bfd7eff721c6b0e3.txt", target / "174_изучи_все.md")
    return target
