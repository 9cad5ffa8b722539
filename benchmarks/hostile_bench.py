#!/usr/bin/env python3
"""``kg index`` on each hostile note (benchmarks/hostile_notes.py): wall time, peak RSS, what status says.

    python benchmarks/hostile_bench.py [CASE ...] [--scale 1.0] [--model use-multilingual]
                                       [--timeout 60] [--cap-mib 4096] [--ordinary 1000]

Each case is a vault of its own: the hostile note beside two ordinary ones. ``kg index`` runs as a child
process; its peak RSS is ``ru_maxrss`` from ``wait4`` (the whole process and any parse workers it waited
for). A run past ``--timeout`` seconds or ``--cap-mib`` of RSS is killed and reported as such (the machine
is shared). ``--ordinary N`` adds a last run: N notes from vaultgen.py plus every hostile note in one vault,
then asks it a question answered by an ordinary note. Quote the figures with the load of the machine: it
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
    parser.add_argument("--ordinary", type=int, default=0, help="also index N vaultgen notes + every hostile note")
    args = parser.parse_args()
    env = {**os.environ, "KG_MODEL": args.model}
    env.pop("KG_VAULT", None)
    names = args.cases or list(CASES)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; model {args.model}; scale {args.scale}")
    print(f"{'case':18} {'size':>9} {'seconds':>8} {'cpu s':>6} {'peak MiB':>9}  status of the note")
    with tempfile.TemporaryDirectory(prefix="kg-hostile-") as tmp:
        for name in names:
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
            _mixed(Path(tmp) / "mixed", args, env, names)


def _mixed(vault: Path, args, env: dict, names: list[str]) -> None:
    import vaultgen

    vaultgen.generate(vault, args.ordinary, seed=1)
    for name in names:
        (vault / f"hostile-{name}.md").write_bytes(CASES[name](args.scale))
    r = run(["index", str(vault)], env, max(args.timeout, 1800), max(args.cap_mib, 8192))
    problems = _problems(vault, env)
    reported = [n for n in names if f"hostile-{n}.md" in problems]
    print(f"\n{args.ordinary} vaultgen notes + {len(names)} hostile: index {r['seconds']:.1f} s, "
          f"peak {r['peak_mib']} MiB, rc {r['rc']} {r['killed'] or ''}; hostile reported: {len(reported)}/{len(names)}")
    for name in names:
        print(f"  hostile-{name}.md: {problems.get(f'hostile-{name}.md', 'ok (not reported)')[:150]}")
    ask = run(["ask", "--vault", str(vault), "--json", "risks of LoRA"], env, 300, 4096)
    answers = json.loads(ask["stdout"])["answers"] if ask["rc"] == 0 else []
    paths = [c["path"] for a in answers for c in a["citations"]]
    print(f"ask 'risks of LoRA': {ask['seconds']:.1f} s, {len(answers)} answers, "
          f"from hostile notes: {sum(p.startswith('hostile-') for p in paths)}, first: {paths[:3]}")


if __name__ == "__main__":
    main()
