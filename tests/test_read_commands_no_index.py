"""Read commands never start a first index of a folder that is not a vault (issue 14, item 9): ``kg status
--vault /`` walked the whole file system and wrote ``/.kg``; ``--vault ''`` meant the working folder; status, links,
check, why, compare, export, sparql, ask and search each built an index of any folder. Now: one line saying to run
``kg index`` first, exit 2, nothing written. Each run bounded in time and memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bounded import kg_bounded
from conftest import DEMO_VAULT

READ_COMMANDS = [
    ("status",), ("links",), ("check",), ("why", "LoRA", "CoT"), ("compare", "LoRA", "QLoRA"),
    ("export", "--format", "nt"), ("sparql", "ASK { ?s ?p ?o }"), ("ask", "risks of LoRA"), ("search", "LoRA"),
]


def _folder(tmp_path: Path) -> Path:
    """A folder of Markdown files that is no vault: no .obsidian/, no .kg/."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "readme.md").write_text("# Readme\n\nLoRA degrades CoT, says [[nothing]].\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_command_refuses_to_index_a_folder_that_is_not_a_vault(tmp_path, command):
    folder = _folder(tmp_path)
    run = kg_bounded(*command, "--vault", str(folder), seconds=30, mib=400)
    assert run.code == 2, (run.out, run.err)
    assert len(run.err.strip().splitlines()) == 1 and f"run `kg index {folder}` first" in run.err, run.err
    assert not (folder / ".kg").exists() and not run.out


def test_the_same_folder_from_its_working_directory_or_kg_vault(tmp_path):
    folder = _folder(tmp_path)
    run = kg_bounded("status", "--vault", ".", cwd=folder, seconds=30, mib=400)
    assert run.code == 2 and "kg index" in run.err and not (folder / ".kg").exists()
    run = kg_bounded("links", env={"KG_VAULT": str(folder)}, seconds=30, mib=400)
    assert run.code == 2 and "kg index" in run.err and not (folder / ".kg").exists()


def test_show_reads_one_note_without_writing_an_index(tmp_path):
    folder = _folder(tmp_path)
    run = kg_bounded("show", "readme", "--vault", str(folder), seconds=30, mib=400)
    assert run.code == 0 and "readme.md" in run.out and not (folder / ".kg").exists()


def test_after_kg_index_the_folder_is_read(tmp_path):
    folder = _folder(tmp_path)
    assert kg_bounded("index", str(folder), seconds=120).code == 0
    run = kg_bounded("status", "--vault", str(folder), "--json", seconds=30, mib=400)
    assert run.code == 0 and '"notes": 1' in run.out


def test_a_vault_with_obsidian_folder_is_indexed_on_first_read(tmp_path):
    folder = _folder(tmp_path)
    (folder / ".obsidian").mkdir()
    run = kg_bounded("links", "--vault", str(folder), seconds=120)
    assert run.code == 0 and "[[nothing]]" in run.out and (folder / ".kg").is_dir()


@pytest.mark.parametrize("how", ["--vault /", "--vault ''", "KG_VAULT=/", "index /", "index ''"])
def test_root_and_empty_paths_are_refused_in_one_line(tmp_path, how):
    if how.startswith("KG_VAULT"):
        run = kg_bounded("status", env={"KG_VAULT": "/"}, cwd=tmp_path, seconds=10, mib=200)
    else:
        verb, value = how.split(" ")
        value = "" if value == "''" else value
        args = ("status", "--vault", value) if verb == "--vault" else ("index", value)
        run = kg_bounded(*args, cwd=tmp_path, seconds=10, mib=200)
    assert run.code == 2 and len(run.err.strip().splitlines()) == 1, run.err
    assert ("root of the file system" in run.err) or ("empty path" in run.err), run.err
    assert not (tmp_path / ".kg").exists() and not Path("/.kg").exists()
    assert run.seconds < 10


def test_an_installed_demo_vault_is_copied_to_the_user_cache_never_written_in_place(tmp_path, monkeypatch):
    """An installed ``kg`` outside any vault falls back on its demo vault: indexing it must never write into
    site-packages. Its copy in ``$XDG_CACHE_HOME/vaultgraph/demo-vault`` is used instead."""
    import shutil

    import vaultgraph.resources as resources
    from vaultgraph.vault import find_vault

    shipped = tmp_path / "site-packages" / "vaultgraph" / "_data" / "vault"
    shutil.copytree(DEMO_VAULT, shipped, ignore=shutil.ignore_patterns(".kg"))
    os.chmod(shipped, 0o555)
    before = sorted(p.name for p in shipped.rglob("*"))
    monkeypatch.setattr(resources, "demo_vault_dir", lambda: shipped)
    monkeypatch.setattr(resources, "is_packaged", lambda: True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KG_VAULT", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = find_vault(cwd=elsewhere)
    assert root == tmp_path / "cache" / "vaultgraph" / "demo-vault"
    assert (root / "methods" / "LoRA.md").is_file() and not (root / ".kg").exists()
    assert find_vault(cwd=elsewhere) == root  # copied once
    run = kg_bounded("index", str(root), "--json", seconds=180)
    assert run.code == 0 and (root / ".kg").is_dir()
    assert sorted(p.name for p in shipped.rglob("*")) == before and not (shipped / ".kg").exists()
    os.chmod(shipped, 0o755)
