#!/usr/bin/env python3
"""Reasoning-graph benchmark: the networkx graph of `kg why` / `kg compare` on a generated vault.

    python benchmarks/reason_bench.py [--notes 10000] [--seed 1] [--vault DIR] [--model fake]

Generates a vault with ``benchmarks/vaultgen.py`` (or reuses ``--vault``), indexes it (the search
index with ``--model``, ``fake`` by default: the reasoning graph does not depend on it), then, each
step in a fresh process so that peak memory is that step's own:

* cold build: the networkx graph from the RDF store with no cache (every note's named graph read);
* warm load: the same from ``VAULT/.kg/reason.pickle``;
* incremental: one note edited and re-indexed, then the load that re-reads only that note;
* latency of ``why`` and ``compare`` on the warm graph (median of 3 after one warm-up; the first
  ``compare`` also loads the claims part of the cache, timed on its own).

Prints seconds, peak RSS (``VmHWM`` of the measuring process) and the graph's size.

Measured here (2 busy cores shared with other jobs; vaultgen seed 1; search index with ``fake``):

| vault | cold build | warm load | 1 note changed | why (4 pairs) | compare (2, 3 methods) |
|---|---|---|---|---|---|
| 2,000 notes, 70k claims, 156k edges | 117 s, 597 MiB | 1.6 s, 163 MiB | 10.3 s | 0.5-1.4 s | 0.4 / 1.0 s |
| 10,000 notes, 353k claims, 757k edges | 296 s, 2.2 GiB | 5.3 s, 525 MiB | 54.7 s, 2.3 GiB | 4.5-10.1 s | 2.3 / 5.5 s (first: +12.3 s) |

The cold build is bound by reading the store: Oxigraph gives back about 30 µs per quad here (a
full N-Quads dump of the 2,000-note store, 1.37M quads, took 42 s), 7M quads at 10,000 notes.
The cache is 103 + 149 + 146 MiB (graph, claims, bookkeeping) at 10,000 notes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHY = [("LoRA", "CoT"), ("QLoRA", "fine-tuning"), ("DPO", "reasoning"), ("RLHF", "mode collapse")]
COMPARE = [["LoRA", "RLHF"], ["LoRA", "full fine-tuning", "DPO"]]

CHILD = r"""
import json, statistics, sys, time

def hwm():  # this process's peak RSS in MiB (ru_maxrss would carry the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

t0 = time.perf_counter()
from vaultgraph import reason
root, use_cache, latency = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
imported = time.perf_counter() - t0
rss_before = hwm()
t = time.perf_counter()
rg = reason.load(root, use_cache=use_cache)
seconds = time.perf_counter() - t
out = {"seconds": seconds, "import_seconds": imported, "rss_before_mib": rss_before, "peak_rss_mib": hwm(),
       "stats": {k: v for k, v in vars(rg.stats).items() if k != "extra"}}
if latency:
    t = time.perf_counter(); reason.compare(rg, ["LoRA", "RLHF"]); out["first_compare_seconds"] = time.perf_counter() - t
    def timed(fn):
        fn()
        runs = []
        for _ in range(3):
            t = time.perf_counter(); fn(); runs.append(time.perf_counter() - t)
        return statistics.median(runs)
    pairs, tables = json.loads(sys.argv[4]), json.loads(sys.argv[5])
    out["why"] = {f"{a} → {b}": {"seconds": timed(lambda: reason.why(rg, a, b)),
                                 "paths": len(reason.why(rg, a, b).paths)} for a, b in pairs}
    out["compare"] = {" vs ".join(m): {"seconds": timed(lambda: reason.compare(rg, m)),
                                       "items": sum(len(i) for r in reason.compare(rg, m).rows for i in r.cells.values())}
                      for m in tables}
    out["health_seconds"] = timed(lambda: reason.health(rg))
print(json.dumps(out))
"""


def child(root: Path, use_cache: bool, latency: bool = False) -> dict:
    args = [sys.executable, "-c", CHILD, str(root), "1" if use_cache else "0", "1" if latency else "0",
            json.dumps(WHY), json.dumps(COMPARE)]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"reason_bench: the measuring process failed:\n{result.stderr}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(data), file=sys.stderr)  # each step as soon as it is measured
    return data


def index(root: Path, model: str) -> float:
    from vaultgraph.service import index_vault

    t = time.perf_counter()
    index_vault(root, model=model)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vault", type=Path, help="an existing (generated) vault to use instead of generating one")
    ap.add_argument("--model", default="fake", help="embedding model for the search index (default: fake)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    tmp = None
    root = args.vault
    if root is None:
        import vaultgen

        tmp = tempfile.TemporaryDirectory(prefix="reason-bench-")
        root = Path(tmp.name) / "vault"
        print(f"generating {args.notes} notes (seed {args.seed}) in {root} …", file=sys.stderr)
        vaultgen.generate(root, args.notes, args.seed)
    root = root.resolve()
    report: dict = {"vault": str(root)}
    print("indexing …", file=sys.stderr)
    report["index_seconds"] = index(root, args.model)
    cache = root / ".kg" / "reason.pickle"
    cache.unlink(missing_ok=True)
    print("cold build …", file=sys.stderr)
    report["cold"] = child(root, use_cache=True)
    report["cache_mib"] = cache.stat().st_size / 2**20
    report["cache_parts_mib"] = {p.name: p.stat().st_size / 2**20 for p in sorted(cache.parent.glob("reason*.pickle"))}
    print("warm load + latency …", file=sys.stderr)
    report["warm"] = child(root, use_cache=True, latency=True)
    notes = sorted(p for p in root.rglob("*.md") if ".kg" not in p.parts and p.stat().st_size > 2000)
    edited = notes[len(notes) // 2]
    with edited.open("a", encoding="utf-8") as f:
        f.write("\n- LoRA with a tiny rank degrades chain-of-thought on long problems (benchmark edit).\n")
    print(f"editing {edited.relative_to(root)} and re-indexing …", file=sys.stderr)
    report["reindex_one_note_seconds"] = index(root, args.model)
    report["incremental"] = child(root, use_cache=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if tmp is not None:
        tmp.cleanup()
    return 0


def print_report(r: dict) -> None:
    s = r["cold"]["stats"]
    print(f"vault: {s['notes']} notes, {s['claims']:,} claims → graph of {s['nodes']:,} nodes, {s['edges']:,} edges; "
          f"kg index {r['index_seconds']:.1f} s")
    rows = [("cold build (no cache: every named graph read)", r["cold"]),
            ("warm load (graph part of the cache)", r["warm"]),
            ("incremental (1 note changed)", r["incremental"])]
    print(f"{'step':<48} {'seconds':>8} {'notes read':>11} {'peak RSS MiB':>13}")
    for name, x in rows:
        print(f"{name:<48} {x['seconds']:>8.2f} {x['stats']['notes_read']:>11} {x['peak_rss_mib']:>13.0f}")
    parts = ", ".join(f"{k} {v:.0f} MiB" for k, v in r["cache_parts_mib"].items())
    print(f"(python + vaultgraph imports alone: {r['warm']['rss_before_mib']:.0f} MiB; cache: {parts}; "
          f"re-index after one edit {r['reindex_one_note_seconds']:.1f} s)")
    for name, x in r["warm"]["why"].items():
        print(f"why {name:<40} {x['seconds'] * 1000:>8.1f} ms  ({x['paths']} paths)")
    print(f"compare, first call (loads the claims part) {r['warm']['first_compare_seconds'] * 1000:>8.1f} ms")
    for name, x in r["warm"]["compare"].items():
        print(f"compare {name:<36} {x['seconds'] * 1000:>8.1f} ms  ({x['items']} cited items)")
    print(f"health (kg check's warnings)                 {r['warm']['health_seconds'] * 1000:>8.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
