"""Questions under edits: the question p50 right after a base build and after N edited notes since it.

    python benchmarks/edits_bench.py --vault /tmp/g10k --edits 100 [--peer OLD_SRC]

The vault must be indexed (``index_bench.py --keep`` leaves one). Each figure is measured in a fresh child
process that loads a ``Searcher`` and asks ``index_bench.QUESTIONS`` for three rounds (after one warm-up), the
median of ``--repeat`` such processes; with
``--peer`` the same runs are made with another version's ``src/`` folder on ``PYTHONPATH`` (a worktree of an
earlier commit), on the same index files, before and after the same edits: the same-run peer.
The edits append one sentence with a new word to N notes spread over the vault and index once (a delta over
the base: the base is rebuilt only past ``delta.COMPACT_SHARE``); the edited vault is left as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from index_bench import QUESTIONS

_PROBE = """
import json, statistics, sys, time
from vaultgraph.service.asking import Searcher
questions = json.loads(sys.argv[2])
searcher = Searcher(sys.argv[1], threads=1)
searcher.ask("warm up the model and the caches", 3)
times = []
for _ in range(3):
    for q in questions:
        started = time.perf_counter()
        searcher.ask(q, 8)
        times.append(time.perf_counter() - started)
delta = searcher.segments.delta
times.sort()
print(json.dumps({"p50": statistics.median(times), "p90": times[int(len(times) * 0.9)],
                  "delta_rows": len(delta.rows), "dead": len(delta.dead)}))
"""


def probe(vault: Path, src: Path | None) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, "-c", _PROBE, str(vault), json.dumps(QUESTIONS)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def probes(vault: Path, versions: dict, repeat: int) -> dict:
    """Each version probed ``repeat`` times, the versions taking turns (a busy machine slows both alike);
    the run with the median p50 of each."""
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    for _ in range(repeat):
        for name, src in versions.items():
            runs[name].append(probe(vault, src))
    return {name: sorted(found, key=lambda r: r["p50"])[len(found) // 2] for name, found in runs.items()}


_EDIT = """
import sys, time
from pathlib import Path
from vaultgraph.service import index_vault
vault, n = Path(sys.argv[1]), int(sys.argv[2])
notes = sorted(p for p in vault.rglob("*.md") if ".kg" not in p.parts)
run = f"{time.time_ns() % 10**8:08d}"
for i in range(n):
    note = notes[(i * 7919) % len(notes)]
    note.write_text(note.read_text(encoding="utf-8", errors="replace")
                    + f"\\n\\n- The quibbit{i}x{run} effect makes adapters forget arithmetic.\\n", encoding="utf-8")
started = time.perf_counter()
index_vault(vault)
print(time.perf_counter() - started)
"""


def edit(vault: Path, n: int, src: Path | None = None) -> float:
    """Append a sentence to ``n`` notes and index once, in a child process (with ``src`` on its path: an index
    written by that version is updated by it, not parsed again by a newer parser)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", **({"PYTHONPATH": str(src)} if src else {}))
    out = subprocess.run([sys.executable, "-c", _EDIT, str(vault), str(n)], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _line(name: str, found: dict) -> str:
    return (f"  {name:<34} p50 {found['p50'] * 1000:6.1f} ms, p90 {found['p90'] * 1000:6.1f} ms "
            f"({found['delta_rows']} delta rows, {found['dead']} deleted base rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vault", type=Path, required=True)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--peer", type=Path, help="another version's src/ folder, measured on the same files")
    parser.add_argument("--index-with", type=Path, help="the src/ folder whose kg indexes the edits (default: this one)")
    parser.add_argument("--repeat", type=int, default=3, help="probes per version and phase (median taken)")
    args = parser.parse_args()
    versions = {"this version": None, **({f"peer ({args.peer})": args.peer} if args.peer else {})}
    before = probes(args.vault, versions, args.repeat)
    seconds = edit(args.vault, args.edits, args.index_with)
    after = probes(args.vault, versions, args.repeat)
    print(f"{args.edits} notes edited, indexed in {seconds:.1f} s")
    for name in versions:
        print(_line(f"{name}, as indexed:", before[name]))
        print(_line(f"{name}, after the edits:", after[name])
              + f" {after[name]['p50'] / before[name]['p50']:.2f}x")


if __name__ == "__main__":
    main()
