"""How a first `kg index` grows with the vault: time and peak memory per stage at several sizes, the fitted
exponent of each stage, and a projection to 100,000 notes naming what would then be the bottleneck.

    python benchmarks/scaling_bench.py --notes 1000 2000 5000            # generated vaults, seed 1
    python benchmarks/scaling_bench.py --notes 1000 2000 --json /tmp/scaling.json

Each size is a fresh vault (``vaultgen``, seed 1) indexed from nothing (no embedding cache) in a process of
its own, so that each peak is that size's alone: the process's own peak and its workers' (parsing, embedding).
"RSS at STAGE" is the index process's highest sampled RSS (every 0.2 s) during that stage.
"answerable" is when the first transaction committed: from then on `kg ask` answers (from a first slice of the
notes when the vault is larger than one, from words and the graph when the vectors come in a later transaction).
The exponent ``b`` of a stage is the least-squares slope of log(seconds) on log(notes): 1 is linear. The
projection extrapolates each stage from the largest size measured with its own exponent, which is only as good
as the sizes are far apart: say which were measured when quoting it.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the first transaction's stages (of a first slice of the notes when the vault is larger than one: ``rest.`` is
# the rest's), then (when the vectors came in a transaction of their own: ``vectors.``) the last one's; a vault
# below ``DEFER_ABOVE`` missing vectors embeds within the first (search.embed, search.faiss)
STAGES = ("list", "parse", "resolve", "graph", "search.bm25", "search.embed", "search.faiss", "search", "commit",
          "rest.parse", "rest.resolve", "rest.graph", "rest.search", "rest.commit",
          "vectors.search.embed", "vectors.search.bm25", "vectors.search.faiss", "vectors.search")
_CHILD = """
import json, resource, sys, threading, time
sys.path.insert(0, {here!r})
import vaultgen
from vaultgraph.service import index_vault
info = vaultgen.generate({root!r}, {notes}, seed=1)
samples = []  # (seconds since the start, RSS of this process in MiB), every 0.2 s

def sample():
    while True:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                samples.append((time.perf_counter() - started, int(line.split()[1]) / 1024))
        time.sleep(0.2)

started = time.perf_counter()
threading.Thread(target=sample, daemon=True).start()
report = index_vault(__import__("pathlib").Path({root!r}))
wall = time.perf_counter() - started
print(json.dumps({{"notes": {notes}, "bytes": info["bytes"], "wall": wall, "stages": report.stages,
                   "answerable": report.answerable_after if report.answerable_after is not None else wall,
                   "passages": report.search.passages if report.search else None,
                   "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "workers_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                   "rss": samples}}))
"""
LAPS = ("list", "parse", "resolve", "graph", "search", "commit")  # one transaction's stages, in their order


def peak_by_stage(run: dict) -> dict[str, float]:
    """The index process's highest sampled RSS during each stage (the stages laid end to end from the start: the
    first transaction's, then the ``rest.`` and ``vectors.`` ones')."""
    out, start = {}, 0.0
    for stage in (*LAPS, *(f"{then}.{lap}" for then in ("rest", "vectors") for lap in LAPS)):
        seconds = run["stages"].get(stage)
        if seconds is None:
            continue
        inside = [mib for t, mib in run.get("rss", []) if start <= t <= start + seconds + 0.2]
        if inside:
            out[stage] = max(inside)
        start += seconds
    return out


def measure(notes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        code = _CHILD.format(here=str(HERE), root=str(Path(tmp) / "vault"), notes=notes)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x); None with fewer than two sizes or a zero time."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else None


def table(runs: list[dict], target: int = 100_000) -> list[str]:
    sizes = [r["notes"] for r in runs]
    head = "| stage | " + " | ".join(f"{n:,} notes" for n in sizes) + f" | exponent | {target:,} (projected) |"
    lines = [head, "|" + "---|" * (len(sizes) + 3)]
    projected: dict[str, float] = {}
    for stage in (*STAGES, "answerable", "wall"):
        values = [r[stage] if stage in ("answerable", "wall") else r["stages"].get(stage, 0.0) for r in runs]
        b = exponent(list(zip(sizes, values)))
        guess = values[-1] * (target / sizes[-1]) ** b if b is not None and values[-1] > 0 else None
        if guess is not None and stage not in ("answerable", "wall", "search", "vectors.search"):
            projected[stage] = guess
        lines.append(f"| {stage} | " + " | ".join(f"{v:,.1f} s" for v in values) +
                     f" | {'-' if b is None else f'{b:.2f}'} | {'-' if guess is None else f'{guess:,.0f} s'} |")
    for key, name in (("peak_mib", "peak RSS, the index process"), ("workers_peak_mib", "peak RSS, a worker")):
        values = [r[key] for r in runs]
        b = exponent(list(zip(sizes, values)))
        guess = values[-1] * (target / sizes[-1]) ** b if b is not None else None
        lines.append(f"| {name} | " + " | ".join(f"{v:,.0f} MiB" for v in values) +
                     f" | {'-' if b is None else f'{b:.2f}'} | {'-' if guess is None else f'{guess:,.0f} MiB'} |")
    lines.append("| passages | " + " | ".join(f"{r['passages'] or 0:,}" for r in runs) + " | | |")
    peaks = [peak_by_stage(r) for r in runs]
    for stage in dict.fromkeys(k for p in peaks for k in p):
        lines.append(f"| RSS at {stage} | " + " | ".join(f"{p.get(stage, 0):,.0f} MiB" for p in peaks) + " | | |")
    if projected:
        top = sorted(projected.items(), key=lambda kv: -kv[1])[:2]
        lines.append("")
        lines.append(f"at {target:,} notes the bottleneck would be " +
                     " then ".join(f"{stage} ({seconds / 60:,.0f} min)" for stage, seconds in top))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, nargs="+", default=[1000, 2000, 5000])
    ap.add_argument("--json", type=Path, help="also write the runs here")
    args = ap.parse_args()
    runs = []
    for n in sorted(args.notes):
        runs.append(measure(n))
        print(f"{n:,} notes: {runs[-1]['wall']:.1f} s, peak {runs[-1]['peak_mib']:.0f} MiB", flush=True)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    print("\n".join(table(runs)))


if __name__ == "__main__":
    main()
