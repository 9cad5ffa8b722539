"""`kg index` with nothing changed, as a whole process, against a peer `kg` (the previous version) and `kg --help`.

    python benchmarks/nochange_bench.py --vault /work/bench/g10k-run --before /work/main/.venv/bin/kg
    python benchmarks/nochange_bench.py --vault V --before OLD/kg --after NEW/kg --runs 7

The vault must be indexed and unchanged (checked first with `kg status --json`: nothing stale, new or deleted):
both `kg` then only write the time of the index. Runs alternate (help, before, after) so that both see the same
load; figures are medians (min-max) of wall time, with the load average before and after. One more run of each
under `python -X importtime` says which heavy modules it imported and what importing cost.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("numpy", "rdflib", "markdown_it", "pyoxigraph", "yaml", "torch", "faiss", "scipy")


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def imports(kg: Path, vault: str) -> tuple[list[str], float]:
    """The heavy top-level packages a `kg index` imported, and the microseconds of all its imports."""
    python = kg.with_name("python")
    code = "import sys; sys.argv = ['kg', 'index', sys.argv[1]]; from vaultgraph.cli.app import main; main()"
    result = subprocess.run([str(python), "-X", "importtime", "-c", code, vault], capture_output=True, text=True)
    found, total = set(), 0
    for line in result.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m:
            total += int(m.group(1))
            if m.group(4).split(".")[0] in HEAVY:
                found.add(m.group(4).split(".")[0])
    return sorted(found), total / 1e6


def figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):.3f} s ({min(samples):.3f}-{max(samples):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", required=True)
    parser.add_argument("--before", required=True, type=Path, help="the peer's kg (e.g. main's .venv/bin/kg)")
    parser.add_argument("--after", type=Path, default=Path(sys.executable).with_name("kg"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    status = json.loads(subprocess.run([str(args.after), "status", "--vault", args.vault, "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    if status["stale"] or status["new"] or status["deleted"]:
        sys.exit(f"{args.vault} changed since it was indexed: this benchmark only runs on an unchanged vault")

    for kg in (args.before, args.after):  # warm the page cache; the first run may also collect old files
        subprocess.run([str(kg), "index", args.vault], check=True, capture_output=True)
    load_before = load()
    runs: dict[str, list[float]] = {"help": [], "before": [], "after": []}
    for _ in range(args.runs):
        runs["help"].append(wall([str(args.after), "--help"]))
        runs["before"].append(wall([str(args.before), "index", args.vault]))
        runs["after"].append(wall([str(args.after), "index", args.vault]))
    load_after = load()
    report = {name: json.loads(subprocess.run([str(kg), "index", args.vault, "--json"], check=True,
                                              capture_output=True, text=True).stdout)
              for name, kg in (("before", args.before), ("after", args.after))}

    print(f"vault: {args.vault} ({report['after']['notes']:,} notes), {args.runs} runs each, alternating")
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    print(f"kg --help (floor):        {figures(runs['help'])}")
    for name, kg in (("before", args.before), ("after", args.after)):
        heavy, seconds = imports(kg, args.vault)
        print(f"kg index, {name:6} {figures(runs[name])}  in-process {report[name]['seconds']:.3f} s; imports "
              f"{seconds:.3f} s, heavy: {', '.join(heavy) or 'none'}  ({kg})")
    print(f"after - floor: {statistics.median(runs['after']) - statistics.median(runs['help']):.3f} s; "
          f"after / before: {statistics.median(runs['after']) / statistics.median(runs['before']):.2f}")


if __name__ == "__main__":
    main()
