#!/usr/bin/env python3
"""How fast kg reads a large vault, next to the floor of markdown-it itself and to obsidiantools.

    python benchmarks/parse_bench.py [--notes 10000] [--seed 1] [--vault DIR] [--skip-obsidiantools]
                                     [--runs N] [--json OUT] [--profile N]

Without ``--vault`` a synthetic vault is generated (``benchmarks/vaultgen.py``) into a temporary folder.
Every measurement runs in a fresh subprocess, so memory is isolated and nothing is warm from an earlier
run (the OS page cache aside: the first floor run reads the files cold only on a fresh vault).

* floor      read every ``.md`` and ``MarkdownIt("commonmark").enable("table").parse(text)``, one process
* floor2     the same on a ``multiprocessing.Pool(2)``: the fair peer, since kg parses on up to 2 cores
* kg parse   ``vaultgraph.service.indexing.parse_many(root, scan(root).notes, workers=2)`` (and ``workers=1``)
* kg index   ``vaultgraph.service.index_vault(root)`` on a fresh copy (``.kg`` deleted before each run),
             then ``kg reindex``: the same call again with nothing changed
* obsidiantools  ``obsidiantools.api.Vault(path).connect().gather()``

Times are the median of ``--runs`` runs (default 3; obsidiantools 1), measured inside the child around
the work itself (imports excluded). Memory: the child's own peak RSS (``VmHWM``), the largest peak of
its worker processes (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the child) and the peak of the sum of
RSS over the child's process tree, sampled every 50 ms from outside (pages shared after ``fork`` are
counted once per process there).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULT_MARK = "@@RESULT@@ "
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

MODES = {
    # mode: (label, what it is)
    "floor": ("floor (markdown-it, 1 proc)", "read + MarkdownIt('commonmark').enable('table').parse"),
    "floor2": ("floor2 (markdown-it, Pool(2))", "the same on multiprocessing.Pool(2)"),
    "kg_parse_w2": ("kg parse stage, workers=2", "parse_many(root, scan(root).notes, workers=2)"),
    "kg_parse_w1": ("kg parse stage, workers=1", "parse_many(root, scan(root).notes, workers=1)"),
    "kg_index": ("kg index (fresh, end-to-end)", "index_vault(root) with VAULT/.kg deleted first"),
    "kg_reindex": ("kg index (no-op re-index)", "index_vault(root) again, nothing changed"),
    "obsidiantools": ("obsidiantools connect+gather", "Vault(path).connect().gather()"),
}


# --------------------------------------------------------------------------------------------------
# Children: each mode runs in its own interpreter and prints one JSON line
# --------------------------------------------------------------------------------------------------

def _md_files(root: Path) -> list[str]:
    """Every .md under root, hidden folders skipped (the same set Obsidian and kg see)."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [os.path.join(folder, f) for f in sorted(files) if f.lower().endswith(".md") and not f.startswith(".")]
    return out


_MD = None


def _floor_one(path: str) -> tuple[int, int, Counter]:
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        _MD = MarkdownIt("commonmark").enable("table")
    with open(path, "rb") as handle:
        data = handle.read()
    tokens = _MD.parse(data.decode("utf-8", errors="replace"))
    kinds = Counter(t.type for t in tokens if t.type in ("table_open", "blockquote_open", "heading_open",
                                                          "fence", "code_block", "inline"))
    return len(data), len(tokens), kinds


def _floor_batch(paths: list[str]) -> tuple[int, int, int, Counter]:
    size = tokens = 0
    kinds: Counter = Counter()
    for p in paths:
        b, t, k = _floor_one(p)
        size, tokens = size + b, tokens + t
        kinds.update(k)
    return len(paths), size, tokens, kinds


def _floor_counts(files: int, size: int, tokens: int, kinds: Counter) -> dict:
    return {"notes": files, "MiB": round(size / 2**20, 1), "tokens": tokens, "tables": kinds["table_open"],
            "blockquotes": kinds["blockquote_open"], "headings": kinds["heading_open"],
            "code blocks": kinds["fence"] + kinds["code_block"]}


def _kg_counts(outcomes) -> dict:
    status = Counter(o.status for o in outcomes)
    notes = [o.note for o in outcomes if o.note]
    links = [link for n in notes for link in n.links]
    return {
        "notes": len(outcomes), "ok": status["ok"], "warning": status["warning"], "failed": status["failed"],
        "skipped": status["skipped"],
        "links": len(links), "wiki": sum(link.kind == "wiki" for link in links),
        "markdown links": sum(link.kind == "markdown" for link in links),
        "embeds": sum(link.embed for link in links),
        "tags": sum(len(n.tags) for n in notes), "sections": sum(len(n.sections) for n in notes),
        "tables": sum(len(n.tables) for n in notes), "callouts": sum(len(n.callouts) for n in notes),
        "chat messages": sum(len(n.messages) for n in notes), "footnotes": sum(len(n.footnotes) for n in notes),
        "fields": sum(len(n.fields) for n in notes), "block ids": sum(len(n.block_ids) for n in notes),
        "repaired notes": sum(1 for n in notes if n.repairs),
        "notes with frontmatter": sum(1 for n in notes if n.frontmatter_lines),
    }


def _cpu() -> float:
    """CPU seconds of this process plus every child it has reaped (pool workers included)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _child(mode: str, vault: Path, workers: int) -> dict:
    result = _child_work(mode, vault, workers)
    result["cpu_seconds"] = _cpu() - result.pop("cpu_start")
    result["rss_MiB"] = _vm_hwm() / 2**20
    result["workers_rss_MiB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _child_work(mode: str, vault: Path, workers: int) -> dict:
    result: dict = {"mode": mode}
    if mode in ("floor", "floor2"):
        import markdown_it  # noqa: F401 - imported before the clock starts, as kg's modes do

        result["cpu_start"] = _cpu()
        t0 = time.perf_counter()
        files = _md_files(vault)
        if mode == "floor":
            counts = _floor_batch(files)
        else:
            import multiprocessing

            size = max(16, min(256, len(files) // (2 * 8) or 1))
            batches = [files[i:i + size] for i in range(0, len(files), size)]
            total = [0, 0, 0, Counter()]
            with multiprocessing.Pool(2) as pool:
                for n, b, t, k in pool.imap(_floor_batch, batches):
                    total[0] += n
                    total[1] += b
                    total[2] += t
                    total[3].update(k)
            counts = tuple(total)
        result["seconds"] = time.perf_counter() - t0
        result["counts"] = _floor_counts(*counts)
    elif mode in ("kg_parse_w1", "kg_parse_w2", "profile"):
        from vaultgraph.markdown.parser import markdown
        from vaultgraph.service.indexing import parse_file, parse_many
        from vaultgraph.vault import scan

        markdown()  # build the parser before the clock starts, as the floor does outside it
        t0 = time.perf_counter()
        files = list(scan(vault).notes)
        result["cpu_start"] = _cpu()
        t1 = time.perf_counter()
        if mode == "profile":
            import cProfile
            import io
            import pstats

            files = files[:workers]
            prof = cProfile.Profile()
            prof.enable()
            outcomes = [parse_file(str(vault), f) for f in files]
            prof.disable()
            result["seconds"] = time.perf_counter() - t1
            result["profile"] = _profile_tables(prof, pstats, io)
        else:
            outcomes = parse_many(vault, files, workers=int(mode[-1]))
            result["seconds"] = time.perf_counter() - t1
        result["scan_seconds"] = t1 - t0
        result["counts"] = _kg_counts(outcomes)
        result["failures"] = [(o.path, o.reason) for o in outcomes if o.status == "failed"][:50]
        result["warnings_sample"] = [(o.path, o.reason) for o in outcomes if o.status == "warning"][:10]
    elif mode in ("kg_index", "kg_reindex"):
        from vaultgraph.service import index_vault
        from vaultgraph.service.reports import report_dict

        if mode == "kg_index":
            shutil.rmtree(vault / ".kg", ignore_errors=True)
        result["cpu_start"] = _cpu()
        t0 = time.perf_counter()
        report = index_vault(vault)
        result["seconds"] = time.perf_counter() - t0
        result["counts"] = {k: v for k, v in report_dict(report).items() if k not in ("root", "seconds")}
        db = vault / ".kg"
        result["store_MiB"] = round(sum(f.stat().st_size for f in db.rglob("*") if f.is_file()) / 2**20, 1)
    elif mode == "obsidiantools":
        from obsidiantools.api import Vault

        result["cpu_start"] = _cpu()
        t0 = time.perf_counter()
        v = Vault(vault).connect().gather()
        result["seconds"] = time.perf_counter() - t0
        result["counts"] = {
            "notes": len(v.md_file_index),
            "wikilinks": sum(len(x) for x in v.wikilinks_index.values()),
            "embedded files": sum(len(x) for x in v.embedded_files_index.values()),
            "md links": sum(len(x) for x in v.md_links_index.values()),
            "tags": sum(len(x) for x in v.tags_index.values()),
            "notes with frontmatter": sum(1 for x in v.front_matter_index.values() if x),
            "nonexistent notes": len(v.nonexistent_notes),
            "isolated notes": len(v.isolated_notes),
            "math": sum(len(x) for x in v.math_index.values()),
            "graph edges": v.graph.number_of_edges(),
        }
    else:
        raise SystemExit(f"unknown mode {mode}")
    return result


def _profile_tables(prof, pstats, io) -> dict:
    stats = pstats.Stats(prof)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append({"where": f"{_short(filename)}:{line}", "function": func, "calls": nc,
                     "tottime": round(tt, 3), "cumtime": round(ct, 3), "vaultgraph": "vaultgraph" in filename})
    total = sum(r["tottime"] for r in rows)
    by_cum = sorted((r for r in rows if r["vaultgraph"]), key=lambda r: -r["cumtime"])[:10]
    by_tot = sorted(rows, key=lambda r: -r["tottime"])[:15]
    by_pkg: Counter = Counter()
    for r in rows:
        by_pkg[_package(r["where"])] += r["tottime"]
    return {"total": round(total, 3), "vaultgraph_by_cumtime": by_cum, "all_by_tottime": by_tot,
            "tottime_by_package": {k: round(v, 3) for k, v in by_pkg.most_common()}}


def _short(filename: str) -> str:
    for marker in ("site-packages/", "src/", "lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _package(where: str) -> str:
    if where.startswith("~") or where.startswith("<"):
        return "builtins"
    return where.split("/", 1)[0].split(".py", 1)[0]


def _vm_hwm() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------------------

def _tree_rss(pid: int) -> int:
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    stack += [int(x) for x in handle.read().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def _busy_cpu_seconds() -> float:
    """CPU time spent by the whole machine so far (all cores, idle and iowait excluded)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")  # steal: not work done here


def _own_cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped (their children included)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_child(mode: str, vault: Path, workers: int = 0, timeout: float = 3600) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--vault", str(vault),
           "--child-arg", str(workers)]
    cpu_before = _busy_cpu_seconds() - _own_cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\ntimed out after {timeout:.0f} s"
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    foreign = (_busy_cpu_seconds() - _own_cpu_seconds()) - cpu_before
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
            result["process_seconds"] = wall
            result["foreign_cpu_seconds"] = max(0.0, foreign)
            result["tree_rss_MiB"] = peak[0] / 2**20
            return result
    tail = "\n".join((err or out).strip().splitlines()[-8:])
    return {"mode": mode, "error": f"exit code {proc.returncode}: {tail}", "process_seconds": wall}


def ensure_obsidiantools() -> str | None:
    """None when importable (installing it into this interpreter if missing), else why not."""
    if importlib.util.find_spec("obsidiantools") is not None:
        return None
    print("obsidiantools is missing: pip install obsidiantools ...", flush=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "obsidiantools"], capture_output=True, text=True)
    if proc.returncode != 0:
        return "pip install obsidiantools failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    importlib.invalidate_caches()
    return None if importlib.util.find_spec("obsidiantools") else "obsidiantools still not importable after install"


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        info["usable_cores"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["usable_cores"] = os.cpu_count()
    try:
        with open("/proc/cpuinfo") as handle:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
        with open("/proc/meminfo") as handle:
            info["mem_GiB"] = round(int(handle.readline().split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    for pkg in ("markdown-it-py", "mdit-py-plugins", "vaultgraph", "obsidiantools"):
        try:
            from importlib.metadata import version

            info[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            info[pkg] = None
    spec = importlib.util.find_spec("vaultgraph")
    info["vaultgraph_from"] = str(Path(spec.origin).parent) if spec and spec.origin else None
    info["env"] = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                   "PYTHONPATH")}
    return info


def _fmt_ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}×" if value is not None and base else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vault", type=Path, help="benchmark this vault instead of a generated one")
    ap.add_argument("--skip-obsidiantools", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="runs of each fast measurement (median reported)")
    ap.add_argument("--obsidiantools-runs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for one run")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also profile kg's parse_file on the first N notes (cProfile, one process)")
    ap.add_argument("--only", help="comma-separated subset of: " + ",".join(MODES))
    ap.add_argument("--json", type=Path, metavar="OUT", help="write every figure to this JSON file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-arg", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(RESULT_MARK + json.dumps(_child(args.child, args.vault, args.child_arg)), flush=True)
        return 0

    info = machine()
    print(f"machine: {info.get('cpu', '?')}; cores: {info['cpu_count']} (usable: {info['usable_cores']}); "
          f"RAM {info.get('mem_GiB', '?')} GiB; Python {info['python']}; markdown-it-py {info['markdown-it-py']}, "
          f"mdit-py-plugins {info['mdit-py-plugins']}, vaultgraph {info['vaultgraph']} from {info['vaultgraph_from']}")
    env = ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in info["env"].items())
    print(f"env: {env} - left as found; the BLAS thread settings are irrelevant here: nothing measured does "
          "BLAS work (obsidiantools imports numpy/pandas only for bookkeeping)")

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    figures: dict = {"machine": info, "runs": {}, "results": {}}
    try:
        if args.vault:
            vault = args.vault.resolve()
            print(f"vault: {vault} (given)")
        else:
            sys.path.insert(0, str(HERE))
            import vaultgen

            vault = tmp / "vault"
            stats = vaultgen.generate(vault, args.notes, args.seed)
            figures["vault"] = stats
            print(f"vault: {stats['notes']} generated notes (seed {stats['seed']}): {stats['bytes'] / 2**20:.1f} MiB, "
                  f"{stats['lines']:,} lines, {stats['russian_notes']} Russian, {stats['mojibake_notes']} mojibake, "
                  f"{stats['notes_over_1000_lines']} over 1,000 lines (largest {stats['largest_note_lines']:,}), "
                  f"{stats['folders']} folders, {stats['duplicate_basenames']} duplicated names, "
                  f"{stats['attachments']} PNGs; generated in {stats['seconds']:.1f} s")

        modes = [m for m in MODES if not args.only or m in args.only.split(",")]
        if args.skip_obsidiantools and "obsidiantools" in modes:
            modes.remove("obsidiantools")
        skipped_reason = {}
        if "obsidiantools" in modes:
            why = ensure_obsidiantools()
            if why:
                print(f"obsidiantools skipped: {why}")
                skipped_reason["obsidiantools"] = why
                modes.remove("obsidiantools")

        copy = None
        if {"kg_index", "kg_reindex"} & set(modes):
            copy = tmp / "index-copy"
            shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".kg"), symlinks=True)

        for mode in modes:
            n = args.obsidiantools_runs if mode == "obsidiantools" else args.runs
            target = copy if mode in ("kg_index", "kg_reindex") else vault
            runs = []
            for i in range(n):
                print(f"  {mode} run {i + 1}/{n} ...", end=" ", flush=True)
                r = run_child(mode, target, timeout=args.timeout)
                runs.append(r)
                if "error" in r:
                    print(f"FAILED: {r['error']}", flush=True)
                    break
                print(f"{r['seconds']:.2f} s wall, {r['cpu_seconds']:.2f} s CPU, {r['rss_MiB']:.0f} MiB; "
                      f"CPU used by other processes meanwhile: "
                      f"{r['foreign_cpu_seconds']:.1f} s", flush=True)
            figures["runs"][mode] = runs
            good = [r for r in runs if "error" not in r]
            if not good:
                skipped_reason[mode] = runs[-1].get("error", "?")
                continue
            figures["results"][mode] = {
                "label": MODES[mode][0],
                "runs": len(good),
                "median_seconds": statistics.median(r["seconds"] for r in good),
                "min_seconds": min(r["seconds"] for r in good),
                "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in good),
                "rss_MiB": max(r["rss_MiB"] for r in good),
                "workers_rss_MiB": max(r["workers_rss_MiB"] for r in good),
                "tree_rss_MiB": max(r["tree_rss_MiB"] for r in good),
                "counts": good[-1]["counts"],
                "foreign_cpu_share": max(r["foreign_cpu_seconds"] / max(r["process_seconds"], 1e-9) for r in good),
                **({"scan_seconds": statistics.median(r["scan_seconds"] for r in good)} if "scan_seconds" in good[0]
                   else {}),
                **({"store_MiB": good[-1]["store_MiB"]} if "store_MiB" in good[0] else {}),
                **({"failures": good[-1]["failures"]} if good[-1].get("failures") else {}),
            }

        if args.profile:
            print(f"  profile: cProfile of parse_file on {args.profile} notes ...", flush=True)
            prof = run_child("profile", vault, workers=args.profile, timeout=args.timeout)
            figures["profile"] = prof

        res = figures["results"]
        floor = res.get("floor", {}).get("median_seconds")
        floor2 = res.get("floor2", {}).get("median_seconds")
        floor_cpu = res.get("floor", {}).get("median_cpu_seconds")
        print()
        header = f"{'name':<32} {'median s':>9} {'runs':>4} {'÷floor':>7} {'÷floor2':>8} {'CPU s':>8} " \
                 f"{'CPU÷floor':>9} {'RSS MiB':>8} {'worker MiB':>10} {'tree MiB':>9}"
        print(header)
        print("-" * len(header))
        for mode, r in res.items():
            print(f"{r['label']:<32} {r['median_seconds']:>9.2f} {r['runs']:>4} "
                  f"{_fmt_ratio(r['median_seconds'], floor):>7} {_fmt_ratio(r['median_seconds'], floor2):>8} "
                  f"{r['median_cpu_seconds']:>8.2f} {_fmt_ratio(r['median_cpu_seconds'], floor_cpu):>9} "
                  f"{r['rss_MiB']:>8.0f} {r['workers_rss_MiB']:>10.0f} {r['tree_rss_MiB']:>9.0f}")
        for mode, why in skipped_reason.items():
            print(f"{MODES[mode][0]:<32} {'skipped':>9}  {why}")
        busy = [f"{r['label']} ({r['foreign_cpu_share']:.0%} of a core)" for r in res.values()
                if r["foreign_cpu_share"] > 0.1]
        if busy:
            print("  note: other processes used CPU during: " + "; ".join(busy) + " - times there may be inflated")
        print("  median s = wall time of the work; CPU s = user+system CPU of the measuring process and its workers "
              "(less sensitive than wall time to other load on the machine)")
        print("  RSS = the measuring process's peak (VmHWM); worker = largest peak of one worker process "
              "(0 when single-process); tree = sampled peak of the summed RSS of the whole process tree")
        for mode in ("kg_parse_w2", "kg_parse_w1"):
            if mode in res:
                print(f"  {res[mode]['label']}: scan(root) took a further {res[mode]['scan_seconds']:.2f} s (not "
                      "included above)")
        if "kg_index" in res:
            print(f"  kg store after a fresh index: {res['kg_index']['store_MiB']} MiB in VAULT/.kg")

        print("\nwhat each extracts:")
        for mode, r in res.items():
            counts = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in r["counts"].items())
            print(f"  {r['label']}: {counts}")
            for path, reason in r.get("failures", [])[:10]:
                print(f"    FAILED {path}: {reason}")

        print("\ntarget: kg parse stage ≤ 1.5× floor")
        verdicts = {}
        for mode, base, name in (("kg_parse_w2", floor, "floor"), ("kg_parse_w1", floor, "floor"),
                                 ("kg_parse_w2", floor2, "floor2")):
            if mode in res and base:
                ratio = res[mode]["median_seconds"] / base
                verdicts[f"{mode}/{name}"] = ratio
                print(f"  {res[mode]['label']} = {ratio:.2f}× {name} (wall): {'met' if ratio <= 1.5 else 'NOT met'}")
        for mode in ("kg_parse_w1", "kg_parse_w2"):
            if mode in res and floor_cpu:
                ratio = res[mode]["median_cpu_seconds"] / floor_cpu
                verdicts[f"{mode}/floor_cpu"] = ratio
                print(f"  {res[mode]['label']} = {ratio:.2f}× floor in CPU time (the work per note, whatever "
                      f"the load): {'met' if ratio <= 1.5 else 'NOT met'}")
        figures["target"] = {"text": "kg parse stage <= 1.5x floor", "ratios": verdicts}

        if "profile" in figures:
            prof = figures["profile"]
            if "error" in prof:
                print(f"\nprofile failed: {prof['error']}")
            else:
                p = prof["profile"]
                print(f"\nprofile of parse_file on {prof['counts']['notes']} notes: {prof['seconds']:.2f} s wall, "
                      f"{p['total']:.2f} s profiled; own time by package: "
                      + ", ".join(f"{k} {v:.2f}" for k, v in list(p["tottime_by_package"].items())[:8]))
                print(f"  {'cumtime':>8} {'tottime':>8} {'calls':>8}  function (vaultgraph code, by cumulative time)")
                for r in p["vaultgraph_by_cumtime"]:
                    print(f"  {r['cumtime']:>8.3f} {r['tottime']:>8.3f} {r['calls']:>8}  "
                          f"{r['function']}  ({r['where']})")
                print(f"  {'tottime':>8} {'cumtime':>8} {'calls':>8}  function (all code, by own time)")
                for r in p["all_by_tottime"]:
                    print(f"  {r['tottime']:>8.3f} {r['cumtime']:>8.3f} {r['calls']:>8}  "
                          f"{r['function']}  ({r['where']})")

        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(f"\nfigures written to {args.json}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
