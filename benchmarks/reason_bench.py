#!/usr/bin/env python3
"""Reasoning benchmark: `kg why` / `kg compare` as whole processes on an indexed vault, and what one edited note
costs the reasoning data.

    python benchmarks/reason_bench.py [--notes 10000] [--seed 1] [--vault DIR] [--model fake] [--no-edit]
                                      [--read-only] [--only why|compare|health] [--runs 3]

Generates a vault with ``benchmarks/vaultgen.py`` (or reuses ``--vault``), indexes it (the search index with
``--model``, ``fake`` by default: reasoning does not depend on it; an indexed ``--vault`` whose index is current
costs a no-change run), then:

* each `kg why` and `kg compare` of the lists below run 3 times as a fresh process (``python -m vaultgraph``),
  median wall time and peak RSS; nothing is built first: reasoning reads the index as `kg index` left it;
* `kg check`'s health part (``reason.health``) in one process;
* one note edited and indexed again in this process, with the time spent replacing its reasoning data
  (``reason.store.replace_note``: its edges and every edge it touches summed again) reported on its own.

``--read-only`` leaves an indexed ``--vault`` as it is (no `kg index`, no edit: a vault another job uses);
``--only`` runs one part (repeatable). Run it with another checkout's Python (``/path/.venv/bin/python
benchmarks/reason_bench.py …``) to time that version's `kg` on the same files.

Measured here: see the README's "Reasoning over the links" (2 shared cores, vaultgen seed 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHY = [("LoRA", "CoT"), ("QLoRA", "fine-tuning"), ("DPO", "reasoning"), ("RLHF", "mode collapse"),
       ("FullFineTuning", "MemoryFootprint"), ("Latency", "LongContext")]
COMPARE = [["LoRA", "RLHF"], ["LoRA", "full fine-tuning", "DPO"], ["FullFineTuning", "QLoRA", "MemoryFootprint"]]


def run(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one `kg` process."""
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "vaultgraph", *args]
    t = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if result.returncode not in (0, 1):
        raise SystemExit(f"reason_bench: kg {' '.join(args)} failed:\n{result.stderr}")
    return seconds, int(result.stderr.strip().splitlines()[-1]) / 1024, result.stdout


def timed(args: list[str], runs: int = 3) -> dict:
    out = [run(args) for _ in range(runs)]
    return {"seconds": statistics.median(o[0] for o in out), "runs": [round(o[0], 3) for o in out],
            "peak_rss_mib": max(o[1] for o in out), "answer": json.loads(out[0][2]),
            "json_mib": len(out[0][2].encode()) / 2**20}


def edit_one(root: Path, model: str) -> dict:
    """Edit one note and index it, timing ``reason.store.replace_note`` inside the run."""
    from vaultgraph.reason import store
    from vaultgraph.service import index_vault

    spent: list[float] = []
    original = store.replace_note

    def replace_note(conn, path, piece):
        t = time.perf_counter()
        original(conn, path, piece)
        spent.append(time.perf_counter() - t)

    notes = sorted(p for p in root.rglob("*.md") if ".kg" not in p.parts and p.stat().st_size > 2000)
    edited = notes[len(notes) // 2]
    with edited.open("a", encoding="utf-8") as f:
        f.write("\n- LoRA with a tiny rank degrades chain-of-thought on long problems (benchmark edit).\n")
    store.replace_note = replace_note
    try:
        t = time.perf_counter()
        index_vault(root, model=model)
        total = time.perf_counter() - t
    finally:
        store.replace_note = original
    return {"note": str(edited.relative_to(root)), "index_seconds": total, "reasoning_seconds": sum(spent),
            "notes_replaced": len(spent)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vault", type=Path, help="an existing (generated) vault to use instead of generating one")
    ap.add_argument("--model", default="fake", help="embedding model for the search index (default: fake)")
    ap.add_argument("--no-edit", action="store_true", help="leave the vault's notes as they are")
    ap.add_argument("--read-only", action="store_true", help="an indexed --vault used as it is: no kg index, no edit")
    ap.add_argument("--only", action="append", choices=("why", "compare", "health"), help="run only this part")
    ap.add_argument("--runs", type=int, default=3, help="processes per command (the median is reported)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.read_only and args.vault is None:
        ap.error("--read-only needs --vault")
    parts = set(args.only or ("why", "compare", "health"))

    tmp = None
    root = args.vault
    if root is None:
        sys.path.insert(0, str(HERE))
        import vaultgen

        tmp = tempfile.TemporaryDirectory(prefix="reason-bench-")
        root = Path(tmp.name) / "vault"
        print(f"generating {args.notes} notes (seed {args.seed}) in {root} …", file=sys.stderr)
        vaultgen.generate(root, args.notes, args.seed)
    root = root.resolve()
    report: dict = {"vault": str(root), "load": os.getloadavg()}
    if not args.read_only:
        from vaultgraph.service import index_vault

        t = time.perf_counter()
        index_vault(root, model=args.model)
        report["index_seconds"] = time.perf_counter() - t
    if "why" in parts:
        report["why"] = {f"{a} → {b}": timed(["why", a, b, "--vault", str(root), "--json"], args.runs) for a, b in WHY}
    if "compare" in parts:
        report["compare"] = {" vs ".join(m): timed(["compare", *m, "--vault", str(root), "--json"], args.runs)
                             for m in COMPARE}
    if "health" in parts:
        from vaultgraph import reason

        t = time.perf_counter()
        found = reason.health(reason.load(root))
        report["health"] = {"seconds": time.perf_counter() - t, **{k: len(v) for k, v in found.items()}}
    report["load_after"] = os.getloadavg()
    if not args.no_edit and not args.read_only:
        report["edit"] = edit_one(root, args.model)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if tmp is not None:
        tmp.cleanup()
    return 0


def print_report(r: dict) -> None:
    index = f"kg index (nothing or little to do) {r['index_seconds']:.1f} s" if "index_seconds" in r else "not indexed"
    print(f"{r['vault']}: {index}; load {r['load'][0]:.2f} before, {r['load_after'][0]:.2f} after")
    for name, x in r.get("why", {}).items():
        print(f"kg why {name:<40} {x['seconds']:>6.2f} s  ({len(x['answer']['paths'])} paths; "
              f"runs {x['runs']}; peak {x['peak_rss_mib']:.0f} MiB)")
    for name, x in r.get("compare", {}).items():
        rows = x["answer"]["rows"]
        items = sum(len(i) for row in rows for i in row["cells"].values())
        held = sum(sum(row.get("totals", {m: len(i) for m, i in row["cells"].items()}).values()) for row in rows)
        print(f"kg compare {name:<36} {x['seconds']:>6.2f} s  ({items:,} cited items of {held:,}; runs {x['runs']}; "
              f"peak {x['peak_rss_mib']:.0f} MiB; JSON {x['json_mib']:.1f} MiB)")
    if "health" in r:
        h = r["health"]
        print(f"health (kg check's warnings) {h['seconds']:.2f} s: " +
              ", ".join(f"{k} {v}" for k, v in h.items() if k != "seconds"))
    if "edit" in r:
        e = r["edit"]
        print(f"one note edited ({e['note']}): kg index {e['index_seconds']:.2f} s, of which its reasoning data "
              f"{e['reasoning_seconds']:.3f} s")


if __name__ == "__main__":
    sys.exit(main())
