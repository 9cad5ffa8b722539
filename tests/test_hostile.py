"""Hostile and broken input: each case in its own vault, beside a good note.

For every case ``kg index`` exits 0, ``kg status`` (JSON and text) names the file with a one-line reason,
and the good note is indexed. The commands run in-process through the console script's ``main`` (the
same code as the ``kg`` executable, without paying the interpreter start per call); ``test_cli.py`` and
``test_watch.py`` run the executable itself.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import run_kg
from vaultgraph.cli.app import main
from vaultgraph.service import indexing
from vaultgraph.vault import files as vault_files

SECRET = "SECRET-3f9a-never-indexed"


class Kg:
    def __init__(self, capsys, monkeypatch, vault: Path):
        self.capsys, self.monkeypatch, self.vault = capsys, monkeypatch, vault

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "argv", ["kg", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = self.capsys.readouterr()
        return code, out, err

    def index(self) -> dict:
        code, out, err = self("index", str(self.vault), "--json")
        assert code == 0, err
        return json.loads(out)

    def status(self) -> tuple[dict, str]:
        code, out, err = self("status", "--vault", str(self.vault), "--json")
        assert code == 0, err
        code, text, err = self("status", "--vault", str(self.vault), "--limit", "100")
        assert code == 0, err
        return json.loads(out), text

    def links(self) -> list[dict]:
        code, out, err = self("links", "--vault", str(self.vault), "--json")
        assert code == 0, err
        return json.loads(out)

    def expect_problems(self, expected: dict[str, tuple[str, ...]]) -> dict:
        """Index once; the status names each path with a one-line reason holding its words; the good note is
        indexed. Returns the index report."""
        report = self.index()
        data, text = self.status()
        problems = {p["path"]: p for p in data["problems"]}
        for path, words in expected.items():
            assert path in problems, (path, data["problems"])
            reason = problems[path]["reason"]
            assert "\n" not in reason and all(w in reason for w in words), (path, reason)
            assert f"{path}: {problems[path]['status']}: {reason}" in text
        self.expect_good()
        return report

    def expect_good(self) -> None:
        code, out, err = self("show", "Good", "--vault", str(self.vault), "--json")
        assert code == 0, err
        assert json.loads(out)["path"] == "Good.md"
        assert any(l["source"] == "Good.md" and l["target"] == "Other.md" for l in self.links())

    def index_files(self) -> bytes:
        return b"".join(p.read_bytes() for p in (self.vault / ".kg").rglob("*") if p.is_file())


@pytest.fixture
def kg(tmp_path, capsys, monkeypatch) -> Kg:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Good.md").write_text("# Good\nA good note beside the broken one, see [[Other]].\n", encoding="utf-8")
    (vault / "Other.md").write_text("# Other\n", encoding="utf-8")
    return Kg(capsys, monkeypatch, vault)


def test_binary_file_named_md(kg):
    (kg.vault / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2048))
    (kg.vault / "noise.md").write_bytes(bytes(b for b in os.urandom(20_000) if b))  # no NUL at all
    (kg.vault / "windows.md").write_bytes("# Заметка\n".encode("utf-16"))
    kg.expect_problems({"photo.md": ("binary",), "noise.md": ("binary",), "windows.md": ("UTF-16",)})


def test_60_mb_note(kg):
    with open(kg.vault / "huge.md", "wb") as f:  # sparse: instant to create, 60 MB to anyone who reads it
        f.truncate(60 * 2**20)
    report = kg.expect_problems({"huge.md": ("too large", "60 MiB")})
    assert report["seconds"] < 30


def test_invalid_utf8(kg):
    (kg.vault / "legacy.md").write_bytes("# Заметка\n".encode() + "Строка в cp1251: забывание\n".encode("cp1251")
                                         + b"broken \xff\xfe bytes [[Other]]\n")
    kg.index()
    data, text = kg.status()
    repairs = [r for r in data["repairs"] if r["path"] == "legacy.md"]
    assert repairs and "not valid UTF-8" in repairs[0]["detail"]
    assert f"legacy.md: {repairs[0]['detail']}" in text
    code, out, _ = kg("show", "legacy", "--vault", str(kg.vault), "--json")
    note = json.loads(out)
    assert code == 0 and note["sections"][0]["title"] == "Заметка"
    assert [l["resolved"] for l in note["links"]] == ["Other.md"]  # the damaged line still links
    kg.expect_good()


def test_malformed_yaml(kg):
    (kg.vault / "unclosed.md").write_text("---\ntitle: t\ntags: [x\n---\n# Body survives\n[[Other]]\n",
                                          encoding="utf-8")
    (kg.vault / "tabbed.md").write_text("---\n\tbad: 1\n---\n# Tabs\n", encoding="utf-8")
    (kg.vault / "listed.md").write_text("---\n- a\n- b\n---\n# A list, not a mapping\n", encoding="utf-8")
    kg.expect_problems({
        "unclosed.md": ("unclosed.md:", "malformed YAML"),
        "tabbed.md": ("tabbed.md:2", "malformed YAML"),
        "listed.md": ("listed.md:2", "not a mapping"),
    })
    code, out, _ = kg("show", "unclosed", "--vault", str(kg.vault), "--json")
    note = json.loads(out)
    assert note["frontmatter"]["title"] == "t" and [s["title"] for s in note["sections"]] == ["Body survives"]
    assert any(l["source"] == "unclosed.md" and l["target"] == "Other.md" for l in kg.links())


def test_yaml_bomb(kg):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    (kg.vault / "laughs.md").write_text("---\n" + "\n".join(levels) + "\ntitle: bomb\n---\n# Body\n", encoding="utf-8")
    many = ["a0: &a0 [x, y]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 260)]
    (kg.vault / "aliases.md").write_text("---\n" + "\n".join(many) + "\n---\n# Body\n", encoding="utf-8")
    # one long string shared by few aliases: under the alias and value limits, 6,561 copies once written out
    wide = ["s: &s " + "x" * 100_000] + [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("sbcd", "bcde")]
    (kg.vault / "wide.md").write_text("---\n" + "\n".join(wide) + "\n---\n# Body\n", encoding="utf-8")
    report = kg.expect_problems({"laughs.md": ("alias bomb",), "aliases.md": ("alias bomb",),
                                 "wide.md": ("alias bomb",)})
    assert report["seconds"] < 30
    code, out, _ = kg("show", "laughs", "--vault", str(kg.vault), "--json")
    assert json.loads(out)["frontmatter"]["title"] == "bomb" and len(out) < 100_000
    assert len(kg.index_files()) < 20 * 2**20  # nothing expanded into the index


def test_symlink_loop(kg):
    (kg.vault / "loop").symlink_to(".")  # a folder that contains itself
    (kg.vault / "deeper").mkdir()
    (kg.vault / "deeper" / "up").symlink_to("..")
    (kg.vault / "a.md").symlink_to("b.md")  # two notes pointing at each other
    (kg.vault / "b.md").symlink_to("a.md")
    (kg.vault / "gone.md").symlink_to("nowhere.md")
    kg.expect_problems({
        "loop": ("symlink loop",),
        "deeper/up": ("symlink loop",),
        "a.md": ("symlink loop",),
        "gone.md": ("missing",),
    })
    assert kg.index()["notes"] == 2


def test_symlink_pointing_outside_the_vault(kg, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.md").write_text(f"# Private\n{SECRET} [[Other]]\n", encoding="utf-8")
    (kg.vault / "private.md").symlink_to(outside / "private.md")
    (kg.vault / "elsewhere").symlink_to(outside)
    (kg.vault / "inside.md").symlink_to("Other.md")  # a symlink inside the vault is a note like any other
    kg.expect_problems({
        "private.md": ("outside the vault", "not followed"),
        "elsewhere": ("outside the vault", "not followed"),
    })
    assert kg.index()["notes"] == 3  # Good, Other and inside
    assert kg("show", "private", "--vault", str(kg.vault))[0] == 2
    assert SECRET.encode() not in kg.index_files()
    assert SECRET not in json.dumps(kg.links())


def test_links_leading_outside_the_vault(kg, tmp_path):
    (tmp_path / "secret.md").write_text(f"# Secret\n{SECRET}\n", encoding="utf-8")  # exists beside the vault
    raws = ["[[../../etc/passwd]]", "![[../../../etc/passwd]]", "[[../secret]]", "![[../secret.md]]",
            "[s](../secret.md)", "[p](../../etc/passwd)", "[[/etc/passwd]]", "[[sub/../../secret]]"]
    (kg.vault / "sneaky.md").write_text("# Sneaky\n" + "\n".join(raws) + "\n", encoding="utf-8")
    kg.index()
    rows = [l for l in kg.links() if l["source"] == "sneaky.md"]
    assert len(rows) == len(raws) and all(l["target"] is None for l in rows), rows
    data, text = kg.status()
    assert sum(u["source"] == "sneaky.md" for u in data["unresolved_links"]) == len(raws)
    assert "sneaky.md:2: [[../../etc/passwd]]" in text
    code, out, _ = kg("show", "sneaky", "--vault", str(kg.vault), "--json")
    assert code == 0 and all(l["resolved"] is None for l in json.loads(out)["links"])
    assert SECRET.encode() not in kg.index_files() and b"root:x:0" not in kg.index_files()
    assert kg("show", "../secret", "--vault", str(kg.vault))[0] == 2
    kg.expect_good()


def test_unreadable_file(kg, monkeypatch):
    locked = kg.vault / "locked.md"
    locked.write_text("# Locked\n", encoding="utf-8")
    (kg.vault / "closed").mkdir()
    (kg.vault / "closed" / "inner.md").write_text("# Inner\n", encoding="utf-8")
    if os.geteuid() != 0:  # the real thing (root reads a chmod 000 file anyway)
        locked.chmod(0)
        (kg.vault / "closed").chmod(0)
        try:
            result = run_kg("index", str(kg.vault))
            assert result.returncode == 0
            problems = {p["path"]: p["reason"] for p in json.loads(
                run_kg("status", "--vault", str(kg.vault), "--json").stdout)["problems"]}
            assert "Permission denied" in problems["locked.md"] and "Permission denied" in problems["closed"]
        finally:
            locked.chmod(0o644)
            (kg.vault / "closed").chmod(0o755)
    real_open, real_scandir = os.open, os.scandir

    def deny_open(path, *args, **kwargs):
        if str(path).endswith("locked.md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def deny_scandir(path="."):
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(indexing.os, "open", deny_open)
    monkeypatch.setattr(vault_files.os, "scandir", deny_scandir)
    kg.expect_problems({
        "locked.md": ("cannot read", "Permission denied"),
        "closed": ("cannot list folder", "Permission denied"),
    })


def test_note_deleted_between_listing_and_reading(kg, monkeypatch):
    real_scan = indexing.scan

    def scan_then_delete(root):
        listing = real_scan(root)
        (Path(root) / "Ephemeral.md").unlink()  # removed by the user right after kg listed the vault
        return listing

    (kg.vault / "Ephemeral.md").write_text("# Here a moment\n", encoding="utf-8")
    monkeypatch.setattr(indexing, "scan", scan_then_delete)
    kg.expect_problems({"Ephemeral.md": ("deleted while indexing",)})
    monkeypatch.setattr(indexing, "scan", real_scan)
    report = kg.index()  # the next run forgets it
    assert report["removed"] == 1 and "Ephemeral.md" not in {p["path"] for p in kg.status()[0]["problems"]}


def _index_with_stderr_on_a_terminal(vault: Path) -> bytes:
    """What ``kg index`` writes to stderr when stderr is a terminal (read while it runs: a full pty blocks)."""
    import pty
    import subprocess
    import threading

    from conftest import KG

    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain():
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        env = {**os.environ, "KG_MODEL": os.environ.get("KG_MODEL", "fake")}
        subprocess.run([str(KG), "index", str(vault)], stdout=subprocess.DEVNULL, stderr=follower, env=env,
                       timeout=300, check=True)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    return b"".join(chunks)


def test_index_prints_no_progress_bar_to_a_pipe(kg):
    for i in range(8):
        (kg.vault / f"note {i}.md").write_text(f"# Note {i}\n[[Good]]\n", encoding="utf-8")
    result = run_kg("index", str(kg.vault))  # stdout and stderr are pipes
    assert "notes" in result.stdout
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream and "\r" not in stream and "━" not in stream, repr(stream[:200])
    # the same run with stderr on a terminal draws the bar: the check above would have seen one
    import shutil

    shutil.rmtree(kg.vault / ".kg")
    assert b"\x1b[" in _index_with_stderr_on_a_terminal(kg.vault)
