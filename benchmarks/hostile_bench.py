#!/usr/bin/env python3
"""``kg index`` on each hostile note (benchmarks/hostile_notes.py): wall time, peak RSS, what status says.

    python benchmarks/hostile_bench.py [CASE ...] [--scale 1.0] [--model use-multilingual]
                                       [--timeout 60] [--cap-mib 4096] [--ordinary 1000 [--skip-cases]]

Each case is a vault of its own: the hostile note beside two ordinary ones. ``kg index`` runs as a child
process; its peak RSS is ``ru_maxrss`` from ``wait4`` (the whole process and any parse workers it waited
for). A run past ``--timeout`` seconds or ``--cap-mib`` of RSS is killed and reported as such (the machine
is shared). ``--ordinary N`` adds two runs: N notes from vaultgen.py with every hostile note in one vault, and
the same N notes alone (the peer): time, peak, which notes a limit named, and how many of 200 ordinary claims
a plain search for their own text finds in the top 10. Quote the figures with the load of the machine: it
has 2 cores shared with other engineers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostile_notes import CASES

KG = Path(sys.executable).with_name("kg")


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: list[str], env: dict, timeout: float, cap_mib: int) -> dict:
    """Run ``kg ARGS``; wall seconds, peak RSS (MiB), return code, and why it was killed if it was."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(KG), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = None
    out = err = b""
    import threading

    chunks: dict[str, bytes] = {}

    def drain(name, stream):
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            killed = f"over {timeout:.0f} s"
        elif _rss_kib(proc.pid) > cap_mib * 1024:
            killed = f"over {cap_mib} MiB"
        if killed:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(timeout=10)
    out, err = chunks.get("out", b""), chunks.get("err", b"")
    return {"seconds": round(time.perf_counter() - started, 2), "peak_mib": round(usage.ru_maxrss / 1024),
            "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "rc": proc.returncode, "killed": killed, "stdout": out.decode(errors="replace"),
            "stderr": err.decode(errors="replace")}


def _vault(root: Path) -> Path:
    (root / ".obsidian").mkdir(parents=True)
    (root / "Good.md").write_text("# Good\nA good note beside the hostile one, see [[Other]].\n", encoding="utf-8")
    (root / "Other.md").write_text("# Other\nLoRA keeps the base weights frozen.\n", encoding="utf-8")
    return root


def _problems(vault: Path, env: dict) -> dict[str, str]:
    result = subprocess.run([str(KG), "status", "--vault", str(vault), "--json"], env=env, capture_output=True,
                            text=True, timeout=120)
    if result.returncode:
        return {"<status failed>": result.stderr.strip()[-200:]}
    return {p["path"]: f"{p['status']}: {p['reason']}" for p in json.loads(result.stdout)["problems"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help=f"default: all of {', '.join(CASES)}")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--model", default="use-multilingual")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--cap-mib", type=int, default=4096)
    parser.add_argument("--ordinary", type=int, default=0, help="also index N vaultgen notes + every hostile note, "
                        "and the N alone")
    parser.add_argument("--skip-cases", action="store_true", help="only the --ordinary runs")
    args = parser.parse_args()
    env = {**os.environ, "KG_MODEL": args.model}
    env.pop("KG_VAULT", None)
    names = args.cases or list(CASES)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; model {args.model}; scale {args.scale}")
    print(f"{'case':18} {'size':>9} {'seconds':>8} {'cpu s':>6} {'peak MiB':>9}  status of the note")
    with tempfile.TemporaryDirectory(prefix="kg-hostile-") as tmp:
        for name in [] if args.skip_cases else names:
            vault = _vault(Path(tmp) / name)
            data = CASES[name](args.scale)
            (vault / f"{name}.md").write_bytes(data)
            r = run(["index", str(vault)], env, args.timeout, args.cap_mib)
            said = r["killed"] or (f"rc {r['rc']}: " + r["stderr"].strip().splitlines()[-1][:120] if r["rc"] else "")
            if not said:
                said = _problems(vault, env).get(f"{name}.md", "ok (not reported)")
            print(f"{name:18} {len(data) / 1024:8.0f}K {r['seconds']:8.2f} {r['cpu']:6.1f} {r['peak_mib']:9}  {said[:150]}",
                  flush=True)
        if args.ordinary:
            _mixed(Path(tmp), args, env, names)


def _mixed(folder: Path, args, env: dict, names: list[str]) -> None:
    """N vaultgen notes with every hostile note, and the same N alone (the peer, same run): the hostile notes
    reported, every ordinary one indexed whole (none named by a limit), and answerable: searched with one of its
    claims' text, a sample of claims comes back in the top 10 (plain search, like ``kg search``) as often as in
    the peer."""
    import shutil

    import vaultgen

    plain = folder / "ordinary"
    vaultgen.generate(plain, args.ordinary, seed=1)
    mixed = folder / "mixed"
    shutil.copytree(plain, mixed)
    for name in names:
        (mixed / f"hostile-{name}.md").write_bytes(CASES[name](args.scale))
    print()
    for label, vault in ((f"{args.ordinary} vaultgen notes + {len(names)} hostile", mixed),
                         (f"the same {args.ordinary} alone", plain)):
        r = run(["index", str(vault)], env, max(args.timeout, 1800), max(args.cap_mib, 8192))
        problems = _problems(vault, env)
        reported = [n for n in names if f"hostile-{n}.md" in problems]
        limited = sorted(p for p, why in problems.items() if "limit of one note" in why and not p.startswith("hostile-"))
        found, total, ms, first = _answerable(vault)
        print(f"{label}: index {r['seconds']:.1f} s ({r['cpu']:.1f} s CPU), peak {r['peak_mib']} MiB, rc {r['rc']} "
              f"{r['killed'] or ''}; hostile reported {len(reported)}/{len(names) if vault is mixed else 0}; ordinary "
              f"notes named by a limit: {len(limited)}; ordinary claims found by their own text in the top 10: "
              f"{found}/{total} ({ms:.0f} ms a search); 'risks of LoRA' first from {first}")


def _answerable(vault: Path) -> tuple[int, int, float, list[str]]:
    import random

    from vaultgraph.service.asking import Searcher
    from vaultgraph.store import reader

    with reader(vault) as conn:
        rows = conn.execute("SELECT path, line, text FROM passages WHERE field = 'claim' AND origin != 'field' "
                            "AND path NOT LIKE 'hostile-%' ORDER BY path, line, text").fetchall()
    sample = random.Random(1).sample([tuple(row) for row in rows], min(200, len(rows)))
    searcher = Searcher(vault)
    started, found = time.perf_counter(), 0
    for path, line, text in sample:
        result = searcher.ask(text, 10, plain=True)
        found += any((c.path, c.line) == (path, line) for a in result.answers for c in a.citations)
    ms = (time.perf_counter() - started) / max(len(sample), 1) * 1000
    answer = searcher.ask("risks of LoRA", 5)
    searcher.close()
    return found, len(sample), ms, [c.path for a in answer.answers[:3] for c in a.citations[:1]]


if __name__ == "__main__":
    main()
