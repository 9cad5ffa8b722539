#!/usr/bin/env python3
"""Graph benchmark: build the graph of a generated vault, then compare stores on the same triples.

    python benchmarks/graph_bench.py [--notes 2000] [--seed 1] [--vault DIR] [--timeout 240]

Prints, in one run:
* the graph stage of `kg index` (extraction + quads + Oxigraph writes): seconds, triples/s, size on disk;
* loading the same triples (N-Triples) into rdflib's Memory store and into an in-memory Oxigraph store:
  seconds and peak memory, each in a fresh subprocess;
* three typical SPARQL queries on both (risks of a method with spans; solutions answering LoRA's
  risks, a join; claims per method, a group-by), median of 3 runs each, with a time limit for rdflib.
Figures are medians; quote ratios against the peer in the same run, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIXES = "PREFIX vg: <https://vaultgraph.dev/ns#>\nPREFIX c: <https://vaultgraph.dev/concept/>\n"
QUERIES = {
    "risks of LoRA with spans": PREFIXES + """SELECT ?path ?line ?text WHERE {
        ?r a vg:Risk ; vg:about c:LoRA ; vg:text ?text ; vg:span ?s . ?s vg:path ?path ; vg:startLine ?line }""",
    "solutions answering LoRA's risks (join)": PREFIXES + """SELECT ?sol ?risk WHERE {
        ?r a vg:Risk ; vg:about c:LoRA ; vg:text ?risk . ?s vg:mitigates ?r ; vg:text ?sol ;
        vg:span/vg:path ?p . ?r vg:span/vg:path ?p }""",
    "claims per method (group by)": PREFIXES + """SELECT ?m (COUNT(?c) AS ?n) WHERE {
        ?c a vg:Claim ; vg:about ?m } GROUP BY ?m ORDER BY DESC(?n) LIMIT 20""",
}

CHILD = r"""
import json, resource, statistics, sys, time
store_kind, path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
queries = json.loads(sys.stdin.read())
t = time.perf_counter()
if store_kind == "rdflib":
    from rdflib import Graph
    g = Graph(); g.parse(path, format="nt")
    run = lambda q: len(list(g.query(q)))
else:
    import pyoxigraph as ox
    g = ox.Store(); g.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    run = lambda q: len(list(g.query(q)))
load = time.perf_counter() - t
out = {"load_s": load, "queries": {}}
import signal
def stop(*_): raise TimeoutError
signal.signal(signal.SIGALRM, stop)
for name, q in queries.items():
    times, rows = [], None
    for _ in range(3):
        signal.alarm(int(timeout))
        t = time.perf_counter()
        try:
            rows = run(q)
        except TimeoutError:
            times = None
            break
        finally:
            signal.alarm(0)
        times.append(time.perf_counter() - t)
    out["queries"][name] = {"median_s": statistics.median(times) if times else None, "rows": rows}
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]  # ru_maxrss keeps the parent's peak
out["peak_rss_mib"] = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _generate(notes: int, seed: int, target: Path) -> None:
    import vaultgen

    vaultgen.generate(target, notes, seed)


def _child(kind: str, nt: Path, timeout: float) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, kind, str(nt), str(timeout)], input=json.dumps(QUERIES),
                            capture_output=True, text=True, timeout=timeout * 12 + 600)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vault", type=Path)
    parser.add_argument("--timeout", type=float, default=240, help="seconds allowed per rdflib query run")
    args = parser.parse_args(argv)

    from vaultgraph.graph.export import export
    from vaultgraph.graph.store import LocalGraph
    from vaultgraph.service import index_vault

    work = Path(tempfile.mkdtemp(prefix="kg-graph-bench-"))
    try:
        vault = work / "vault"
        if args.vault:
            shutil.copytree(args.vault, vault, ignore=shutil.ignore_patterns(".kg"))
        else:
            _generate(args.notes, args.seed, vault)
        stages: dict[str, float] = {}
        last = {"t": time.perf_counter(), "stage": None}

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if last["stage"] is not None:
                stages[last["stage"]] = stages.get(last["stage"], 0) + now - last["t"]
            last.update(t=now, stage=stage)

        t = time.perf_counter()
        report = index_vault(vault, progress=progress)
        total = time.perf_counter() - t
        graph = LocalGraph(vault, readonly=True)
        quads = list(graph.quads())
        nt = work / "graph.nt"
        nt.write_bytes(export(quads, "nt"))
        g = report.graph
        print(f"vault: {report.notes} notes; kg index {total:.1f} s "
              f"(parse ≈ {stages.get('parse', 0):.1f} s, graph ≈ {stages.get('graph', 0):.1f} s)")
        print(f"graph: {g.claims} claims, {g.risks} risks, {len(quads):,} quads; "
              f"{len(quads) / max(stages.get('graph', total), 1e-9):,.0f} quads/s in the graph stage; "
              f"store on disk {_du(vault / '.kg' / 'graph') / 2**20:.0f} MiB; N-Triples {nt.stat().st_size / 2**20:.0f} MiB")
        results = {kind: _child(kind, nt, args.timeout) for kind in ("oxigraph", "rdflib")}
        print(f"\n{'':42} {'Oxigraph (memory)':>20} {'rdflib Memory':>16} {'ratio':>8}")
        ox_r, rd_r = results["oxigraph"], results["rdflib"]
        for label, key in (("load N-Triples (s)", "load_s"), ("peak memory (MiB)", "peak_rss_mib")):
            a, b = ox_r.get(key), rd_r.get(key)
            print(f"{label:42} {a or 0:>20.2f} {b or 0:>16.2f} {(b / a if a and b else float('nan')):>7.1f}x")
        for name in QUERIES:
            a = ox_r.get("queries", {}).get(name, {}).get("median_s")
            b = rd_r.get("queries", {}).get(name, {}).get("median_s")
            rows = ox_r.get("queries", {}).get(name, {}).get("rows")
            shown_b = f"{b * 1000:.1f} ms" if b is not None else f">{args.timeout:.0f} s"
            ratio = f"{b / a:.0f}x" if a and b else "-"
            print(f"{name + f' ({rows} rows)':42} {a * 1000 if a else 0:>17.1f} ms {shown_b:>16} {ratio:>8}")
        for kind, r in results.items():
            if "error" in r:
                print(f"{kind}: {r['error']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
