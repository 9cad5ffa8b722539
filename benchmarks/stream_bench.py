#!/usr/bin/env python3
"""`kg export --format ttl` and `kg check` on an indexed vault, this checkout against a peer `kg` (issue 12, item 6).

    python benchmarks/stream_bench.py --vault DIR [--kg .venv/bin/kg] [--peer /work/main/.venv/bin/kg]
                                      [--runs 3] [--cap 900] [--only export,check,recheck,split] [--peer-only]
                                      [--first-runs N] [--interleave]

Each step is a whole process under ``/usr/bin/time -v`` (wall time and peak RSS of kg itself), stopped past
``--cap`` seconds (reported as such). The vault must be indexed and is written to: ``kg check`` stores its
results in ``.kg/index.sqlite``, and the re-check step edits one note (appends a line) and runs ``kg index``.

* export: ``kg export --format ttl -o FILE``, median of ``--runs``; the peer once (it holds the whole graph);
* check, first run: no stored results (the bench deletes them before each run); the peer once, or with
  ``--interleave`` both in turns for ``--first-runs`` rounds, and the median of the rounds' ratios;
* re-check: one note edited, ``kg index``, ``kg check`` — median of ``--runs`` edits;
* split (``--only split``): after an edit and ``kg index``, the SHACL part alone (``service.shaping``), then
  ``kg check`` with the SHACL results stored (what is left: status, the reasoning graph's health findings).

Prints one line per measurement and a Markdown table; measured figures are in the README.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHACL_ONLY = ("import sys; from pathlib import Path; from vaultgraph.service.shaping import shape_results; "
              "r, v, n = shape_results(Path(sys.argv[1])); print(len(r), v, n)")


def timed(cmd: list[str], cap: float, max_mib: float = 15 * 1024) -> dict:
    """Wall seconds, peak RSS (MiB) and exit code of ``cmd`` as one process; ``stopped`` past ``cap`` seconds
    or ``max_mib`` of RSS (a whole-vault rdflib graph would push a shared machine into the OOM killer)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", report.name, *cmd], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        stopped, seen = False, 0
        while proc.poll() is None:
            seen = max(seen, _child_hwm(proc.pid))
            if time.perf_counter() - start > cap or seen > max_mib * 1024:
                os.killpg(proc.pid, signal.SIGKILL)  # the session started for it: /usr/bin/time and kg
                stopped = "memory" if seen > max_mib * 1024 else "time"
                break
            time.sleep(0.5)
        _, err = proc.communicate()
        wall = time.perf_counter() - start
        text = Path(report.name).read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return {"seconds": wall, "rss_mib": int(rss.group(1)) / 1024 if rss else seen / 1024,
            "code": proc.returncode, "stopped": stopped, "err": (err or "").strip().splitlines()[-1:]}


def _child_hwm(pid: int) -> int:
    """Peak RSS (KiB) so far of the children of ``pid`` (kg under /usr/bin/time), for a run stopped at the cap."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return max((int(line.split()[1]) for c in children for line in open(f"/proc/{c}/status")
                    if line.startswith("VmHWM:")), default=0)
    except (OSError, ValueError):
        return 0


def show(label: str, runs: list[dict]) -> str:
    ok = [r for r in runs if not r["stopped"]]
    if not ok:
        why = "past the memory cap" if runs[0]["stopped"] == "memory" else "at the time cap"
        return f"{label}: stopped {why} after {runs[0]['seconds']:.0f} s, peak {runs[0]['rss_mib']:.0f} MiB at the stop"
    secs = statistics.median(r["seconds"] for r in ok)
    rss = statistics.median(r["rss_mib"] for r in ok)
    spread = f" ({min(r['seconds'] for r in ok):.1f}–{max(r['seconds'] for r in ok):.1f} s)" if len(ok) > 1 else ""
    return f"{label}: {secs:.1f} s{spread}, peak {rss:.0f} MiB, exit {ok[0]['code']} (median of {len(ok)})"


def forget_checks(vault: Path) -> None:
    """The first-run case: no stored SHACL results (the table this version keeps; nothing for older ones)."""
    conn = sqlite3.connect(vault / ".kg" / "index.sqlite", timeout=60)
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'shape_%'"):
            conn.execute(f'DELETE FROM "{table}"')
        conn.commit()
    finally:
        conn.close()


def edit_one(vault: Path, n: int) -> str:
    notes = sorted(p for p in vault.rglob("*.md") if ".kg" not in p.parts and ".obsidian" not in p.parts)
    note = notes[len(notes) // 2]
    with note.open("a", encoding="utf-8") as f:
        f.write(f"\n\nEdited for the stream bench, run {n}: LoRA lowers the memory of fine-tuning.\n")
    return str(note.relative_to(vault))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vault", type=Path, required=True)
    ap.add_argument("--kg", default=str(ROOT / ".venv" / "bin" / "kg"))
    ap.add_argument("--peer", default=None, help="another kg to run on the same files (e.g. main's)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--first-runs", type=int, default=1, help="runs of the first check (each validates every note)")
    ap.add_argument("--interleave", action="store_true",
                    help="first checks in turns, this checkout then the peer, --first-runs rounds (a same-run ratio)")
    ap.add_argument("--cap", type=float, default=900.0, help="stop a run after this many seconds")
    ap.add_argument("--max-mib", type=float, default=15 * 1024, help="stop a run past this peak RSS")
    ap.add_argument("--only", default="export,check,recheck")
    ap.add_argument("--peer-only", action="store_true", help="run the peer's steps only")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "stream_bench.ttl")
    args = ap.parse_args()
    steps, vault, lines = args.only.split(","), args.vault.resolve(), []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    export = ["export", "--format", "ttl", "-o", str(args.out), "--vault", str(vault)]
    check = ["check", "--vault", str(vault), "--json"]
    mine = [] if args.peer_only else [("this checkout", args.kg)]
    both = mine + ([("peer " + args.peer, args.peer)] if args.peer else [])
    if args.interleave and "check" in steps:  # each round: every kg once, on the same files, one after the other
        rounds: dict[str, list[dict]] = {name: [] for name, _ in both}
        for _ in range(args.first_runs):
            for name, kg in both:
                forget_checks(vault)
                rounds[name].append(timed([kg, *check], args.cap, args.max_mib))
        for name, _ in both:
            say(show(f"{name}: kg check, first run (in turns)", rounds[name]))
        if len(both) == 2 and all(not r["stopped"] for runs in rounds.values() for r in runs):
            ratios = [p["seconds"] / m["seconds"] for m, p in zip(*rounds.values())]
            say(f"peer / this checkout: kg check, first run: {statistics.median(ratios):.2f}x "
                f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})")
        steps = [s for s in steps if s != "check"]
    for name, kg in both:
        runs = 1 if name.startswith("peer") else args.runs
        if "export" in steps:
            results = [timed([kg, *export], args.cap, args.max_mib) for _ in range(runs)]
            size = args.out.stat().st_size if args.out.exists() else 0
            say(show(f"{name}: kg export --format ttl ({size / 2**20:.0f} MiB)", results))
            args.out.unlink(missing_ok=True)
        if "check" in steps:
            results = []
            for _ in range(1 if name.startswith("peer") else args.first_runs):
                forget_checks(vault)
                results.append(timed([kg, *check], args.cap, args.max_mib))
            say(show(f"{name}: kg check, first run", results))
        if "recheck" in steps and not name.startswith("peer"):
            results, index = [], []
            for n in range(runs):
                edit_one(vault, n)
                index.append(timed([kg, "index", str(vault)], args.cap, args.max_mib))
                results.append(timed([kg, *check], args.cap, args.max_mib))
            say(show(f"{name}: kg index after one edit", index))
            say(show(f"{name}: kg check after one edit + kg index", results))
        if "split" in steps and not name.startswith("peer"):  # the SHACL part of a re-check alone, then the rest
            python = str(Path(kg).with_name("python"))
            shacl, rest = [], []
            for n in range(runs):
                edit_one(vault, 100 + n)
                timed([kg, "index", str(vault)], args.cap, args.max_mib)
                shacl.append(timed([python, "-c", SHACL_ONLY, str(vault)], args.cap, args.max_mib))
                rest.append(timed([kg, *check], args.cap, args.max_mib))
            say(show(f"{name}: SHACL part alone after one edit + kg index", shacl))
            say(show(f"{name}: kg check once the SHACL results are stored (reasoning and health)", rest))
    print("\n| step | figure |\n|---|---|")
    for line in lines:
        who, step, figure = line.split(": ", 2)
        print(f"| {who}: {step} | {figure} |")


if __name__ == "__main__":
    sys.exit(main())
