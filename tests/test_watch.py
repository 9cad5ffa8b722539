"""``kg watch``: the real command on a copy of the demo vault, and its debounce and filter logic alone."""

from __future__ import annotations

import fcntl
import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import KG, run_kg
from vaultgraph.errors import IndexBusy
from vaultgraph.service import indexing
from vaultgraph.service.indexing import IndexReport
from vaultgraph.service.watching import Debouncer, Watcher, WatchSettings, relevant
from vaultgraph.vault.files import VaultFile

TIMEOUT = 30  # generous for a loaded CI machine; each wait ends as soon as the change shows


# ---- the logic, without subprocesses ------------------------------------------------------------------------


def test_filter_keeps_notes_attachments_and_folders_and_drops_noise(tmp_path):
    root = tmp_path.resolve()
    kept = ["a.md", "methods/LoRA.md", "attachments/diagram.png", "new folder", "Заметка.md", "x.MD"]
    noise = [".obsidian/workspace.json", ".trash/old.md", ".kg/index.sqlite", ".kg/index.sqlite-wal",
             "methods/.LoRA.md.swp", ".hidden.md", "methods/LoRA.md.tmp", "LoRA.md~", "4913", "#LoRA.md#",
             "attachments/img.png.crdownload", "LoRA.md.tmp-12345", "node_modules/x.js", ".git/HEAD"]
    for rel in kept:
        assert relevant(root, str(root / rel)) == rel
    for rel in noise:
        assert relevant(root, str(root / rel)) is None, rel
    assert relevant(root, str(root)) is None
    assert relevant(root, str(tmp_path.parent / "elsewhere.md")) is None
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (root / "linked").symlink_to(outside)  # the OS watcher follows symlinks out of the vault; kg does not
    assert relevant(root, str(root / "linked" / "x.md")) is None


def test_debouncer_waits_for_quiet_and_merges_a_save():
    d = Debouncer(quiet=0.3, max_wait=5)
    for i in range(20):  # 20 saves in 200 ms
        d.add([("modified", "a.md")], now=i * 0.01)
        assert not d.due(i * 0.01)
    assert not d.due(0.19 + 0.29) and d.due(0.19 + 0.3)
    assert d.take() == {"a.md": "modified"} and not d.due(10)
    d.add([("deleted", "b.md")], 20)
    d.add([("added", "b.md")], 20)  # a rename over the note: a save, not a deletion
    d.add([("added", "c.md"), ("modified", "c.md")], 20)
    assert d.take() == {"b.md": "modified", "c.md": "added"}
    for i in range(100):  # a vault that never stays quiet is still indexed every max_wait
        d.add([("modified", "log.md")], 30 + i * 0.1)
        if d.due(30 + i * 0.1):
            break
    assert 30 + i * 0.1 == pytest.approx(35)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _report(root) -> IndexReport:
    return IndexReport(root=str(root), notes=1, parsed=1, reused=0, removed=0, failed=0, skipped=0, attachments=0,
                       links=0, unresolved=0, repaired=0, warnings=0, seconds=0.01)


def test_watcher_runs_once_per_burst_and_waits_while_busy(tmp_path, monkeypatch):
    clock, runs, events, notices = FakeClock(), [], [], []
    busy = [2]

    def index(root):
        runs.append(clock.now)
        if busy[0]:
            busy[0] -= 1
            raise IndexBusy("another `kg` process is indexing")
        return _report(root)

    w = Watcher(tmp_path, events.append, WatchSettings(debounce_ms=300), index=index, on_notice=notices.append,
                clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(w, "_retry", lambda report: ())
    w.run("start")
    assert len(runs) == 3 and events[0].waited_busy == pytest.approx(0.5) and len(notices) == 1
    for i in range(20):
        clock.now += 0.01
        assert w.feed([(2, str(tmp_path / "a.md")), (1, str(tmp_path / ".obsidian" / "workspace.json"))]) == 1
        assert w.tick() is None
    clock.now += 0.31
    event = w.tick()
    assert event.trigger == "change" and event.changes == (("modified", "a.md"),) and len(runs) == 4
    assert w.tick() is None and w.feed([(1, str(tmp_path / "a.md.tmp"))]) == 0


def test_a_failed_run_is_reported_and_tried_again_later(tmp_path, monkeypatch):
    clock, events = FakeClock(), []
    fail = [True]

    def index(root):
        if fail[0]:
            fail[0] = False
            raise OSError(28, "No space left on device")
        return _report(root)

    w = Watcher(tmp_path, events.append, WatchSettings(), index=index, clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(w, "_retry", lambda report: ())
    w.feed([(2, str(tmp_path / "a.md"))])
    clock.now += 1
    assert "No space left" in w.tick().error
    clock.now += 0.5
    assert w.tick() is None  # backing off
    clock.now += 1
    assert w.tick().report is not None and events[-1].changes == (("modified", "a.md"),)


def test_note_changing_while_read_is_retried_not_indexed_half_written(tmp_path, monkeypatch):
    vault = tmp_path / "v"
    vault.mkdir()
    note = vault / "draft.md"
    note.write_text("# Draft\n[[First half]]\n", encoding="utf-8")
    real_fstat = os.fstat
    writes = [1]

    def fstat_then_write(fd):  # an editor appends while kg reads
        st = real_fstat(fd)
        if writes[0]:
            writes[0] -= 1
            with open(note, "a", encoding="utf-8") as f:
                f.write("[[Second half]]\n")
        return st

    monkeypatch.setattr(indexing.os, "fstat", fstat_then_write)
    st = note.stat()
    outcome = indexing.parse_file(str(vault), VaultFile("draft.md", st.st_size, st.st_mtime_ns))
    assert outcome.status == "retry" and outcome.note is None and "changed while being read" in outcome.reason

    writes[0] = 1
    clock, events = FakeClock(), []
    w = Watcher(vault, events.append, WatchSettings(debounce_ms=300), clock=clock, sleep=clock.sleep)
    w.run("start")
    assert events[0].retry == ("draft.md",)
    assert w.tick() is None
    clock.now += 0.3  # re-read after the debounce, with no new file event
    event = w.tick()
    assert event.trigger == "retry" and event.retry == ()
    links = json.loads(run_kg("links", "--json", "--vault", str(vault)).stdout)
    assert {l["raw"] for l in links} == {"[[First half]]", "[[Second half]]"}


# ---- the real command ------------------------------------------------------------------------------------


def kg_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KG_VAULT"}
    env.setdefault("KG_MODEL", "fake")  # as run_kg: the real embedding model is tested on its own
    return env


class Watch:
    """``kg watch --json`` as a subprocess; its JSON lines are read on a thread."""

    def __init__(self, vault: Path):
        self.proc = subprocess.Popen([str(KG), "watch", str(vault), "--json"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=kg_env())
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.notices: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.notices.put(line)

    def notice(self, text: str, timeout=TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.notices.get(timeout=max(0.01, deadline - time.monotonic()))
            if text in line:
                return line

    def wait(self, predicate, timeout=TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no matching re-index in {timeout} s; seen: {self.seen}") from None
            self.seen.append(event)
            assert event["error"] is None, event["error"]
            if predicate(event):
                return event

    def quiet_for(self, seconds) -> list[dict]:
        got = []
        while True:
            try:
                event = self.events.get(timeout=seconds)
            except queue.Empty:
                return got
            self.seen.append(event)
            got.append(event)


def touched(path: str):
    return lambda event: any(c["path"] == path for c in event["changes"])


def links(vault) -> list[dict]:
    return json.loads(run_kg("links", "--json", "--vault", str(vault)).stdout)


def eventually(check, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the change never showed in the CLI"
        time.sleep(0.1)


def test_kg_watch_keeps_the_index_live(demo_vault):
    watch = Watch(demo_vault)
    try:
        start = watch.wait(lambda e: e["trigger"] == "start")
        assert start["parsed"] == start["notes"] >= 30

        # an editor writing in place
        with open(demo_vault / "methods" / "LoRA.md", "a", encoding="utf-8") as f:
            f.write("\nSee [[Brand new target]].\n")
        watch.wait(touched("methods/LoRA.md"))
        eventually(lambda: any(l["source"] == "methods/LoRA.md" and l["raw"] == "[[Brand new target]]"
                               and l["target"] is None for l in links(demo_vault)))

        # Obsidian's way: a temporary file renamed over the note
        dpo = demo_vault / "methods" / "DPO.md"
        tmp = demo_vault / "methods" / "DPO.md.tmp"
        tmp.write_text(dpo.read_text(encoding="utf-8") + "\nSaved by Obsidian, see [[Watch marker]].\n",
                       encoding="utf-8")
        os.replace(tmp, dpo)
        watch.wait(touched("methods/DPO.md"))
        eventually(lambda: "[[Watch marker]]" in {l["raw"] for l in links(demo_vault)
                                                  if l["source"] == "methods/DPO.md"})

        # a note deleted, one renamed, and a new one that satisfies the link that was dangling
        (demo_vault / "methods" / "PEFT.md").unlink()
        os.rename(demo_vault / "methods" / "QLoRA.md", demo_vault / "methods" / "QLoRA renamed.md")
        (demo_vault / "Brand new target.md").write_text("# Brand new target\n", encoding="utf-8")
        for path in ("methods/PEFT.md", "methods/QLoRA renamed.md", "Brand new target.md"):
            if not any(touched(path)(e) for e in watch.seen):
                watch.wait(touched(path))

        def reorganised():
            rows = links(demo_vault)
            return (all(l["source"] != "methods/PEFT.md" and l["target"] != "methods/PEFT.md" for l in rows)
                    and {l["source"] for l in rows} & {"methods/QLoRA renamed.md", "methods/QLoRA.md"}
                    == {"methods/QLoRA renamed.md"}
                    and any(l["raw"] == "[[Brand new target]]" and l["target"] == "Brand new target.md"
                            for l in rows))

        eventually(reorganised)
        assert run_kg("show", "PEFT", "--json", "--vault", str(demo_vault), check=False).returncode == 2
        shown = json.loads(run_kg("show", "QLoRA renamed", "--json", "--vault", str(demo_vault)).stdout)
        assert shown["path"] == "methods/QLoRA renamed.md"

        # a burst of 20 saves in 200 ms (and noise in folders kg ignores) gives few re-indexes
        rag = demo_vault / "methods" / "RAG.md"
        body = rag.read_text(encoding="utf-8")
        for i in range(20):
            rag.write_text(body + f"\nBurst [[Burst {i}]]\n", encoding="utf-8")
            (demo_vault / ".obsidian" / "workspace.json").write_text(f'{{"n": {i}}}', encoding="utf-8")
            time.sleep(0.01)
        (demo_vault / ".trash").mkdir()
        (demo_vault / ".trash" / "old.md").write_text("# old", encoding="utf-8")
        watch.wait(touched("methods/RAG.md"))
        later = watch.quiet_for(1.0)
        burst = [e for e in watch.seen if touched("methods/RAG.md")(e)]
        assert len(burst) <= 2, burst
        assert not [e for e in later if not touched("methods/RAG.md")(e)], later  # .kg/ writes don't loop
        assert not [c for e in watch.seen for c in e["changes"]
                    if c["path"].startswith((".obsidian", ".trash", ".kg")) or c["path"].endswith(".tmp")]
        assert [l["raw"] for l in links(demo_vault) if l["source"] == "methods/RAG.md" and "Burst" in l["raw"]] \
            == ["[[Burst 19]]"]

        # another `kg index` holds the writer lock: watch waits instead of dying
        with open(demo_vault / ".kg" / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            rag.write_text(body + "\nAfter the lock [[Unlocked]]\n", encoding="utf-8")
            assert "another `kg` process is indexing" in watch.notice("waiting")
            assert watch.proc.poll() is None
        event = watch.wait(touched("methods/RAG.md"))
        assert event["waited_busy"] > 0
        assert any(l["raw"] == "[[Unlocked]]" for l in links(demo_vault))
    finally:
        watch.proc.send_signal(signal.SIGINT)
        try:
            code = watch.proc.wait(timeout=TIMEOUT)
        finally:
            watch.proc.kill()
    assert code == 0, list(watch.notices.queue)


def _indexed_at(vault) -> float:
    from vaultgraph.store import reader
    from vaultgraph.store.sqlite import get_meta

    with reader(vault) as conn:
        return float(get_meta(conn)["indexed_at"])


def test_kg_watch_prints_one_line_per_reindex_and_nothing_with_quiet(tmp_path):
    vault = tmp_path / "v"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "methods").mkdir()
    note = vault / "methods" / "LoRA.md"
    note.write_text("# LoRA\n[[QLoRA]]\n", encoding="utf-8")
    for args in ([], ["--quiet"]):  # the first run creates the index the second one follows
        before = _indexed_at(vault) if args else 0
        proc = subprocess.Popen([str(KG), "watch", str(vault), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=kg_env())
        lines: queue.Queue = queue.Queue()
        reading = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
        reading.start()
        try:
            if args:  # nothing to read: follow the index itself
                eventually(lambda: _indexed_at(vault) > before)  # the start run
            else:
                start = lines.get(timeout=TIMEOUT)
                assert "indexed: 1 parsed, 0 removed, 1 notes" in start and "watching" in start
            with open(note, "a", encoding="utf-8") as f:
                f.write(f"\nline for {args}\n")
            if args:
                before = _indexed_at(vault)
                eventually(lambda: _indexed_at(vault) > before)  # the re-index
            else:
                change = lines.get(timeout=TIMEOUT).rstrip("\n")
                assert change.split(" ", 1)[1].startswith("modified methods/LoRA.md: 1 parsed"), change
                assert change.endswith(" s")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=TIMEOUT)
            reading.join(timeout=TIMEOUT)
            err = proc.stderr.read()
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert lines.empty(), list(lines.queue)  # one line per re-index, none with --quiet
