"""Answer quality and latency of `kg ask` on the gold sets, next to plain dense and plain BM25.

    python benchmarks/ask_bench.py                         # every set (seed sets when ../shared/seeds exists)
    python benchmarks/ask_bench.py --gold demo --gold open # some sets
    python benchmarks/ask_bench.py --split test            # only the test halves of the split sets
    python benchmarks/ask_bench.py --model fake --json out.json

All three systems search the same passages of the same index in the same run: plain dense (FAISS top-k
of the question's embedding), plain BM25 (bm25s top-k), and the full pipeline (intent, concepts, graph
candidates, fusion, relevance decision, duplicate collapse). Prints hit@1, hit@5 and MRR of the questions
the vault answers, overall, per split (dev tunes, test reports), per language crossing (en>ru: an English
question whose answer is in a Russian note) and per intent; the share of negative questions (the vault holds
no answer) that got no answer at all; the questions the full pipeline misses; the median latency.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "gold"))

from check import load_gold  # noqa: E402
from score import first_hit, scores  # noqa: E402

from vaultgraph.index.store import passages_by_row  # noqa: E402
from vaultgraph.service import index_vault  # noqa: E402
from vaultgraph.service.asking import Searcher  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"
GOLD = HERE / "gold"
K = 10


def copy_vault(source: Path, tmp: Path, name: str) -> Path:
    target = tmp / name
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".kg"))
    return target


def seed_vault(tmp: Path) -> Path | None:
    if not SEEDS.is_dir():
        return None
    target = tmp / "seeds"
    if not target.exists():
        (target / ".obsidian").mkdir(parents=True)
        for f in sorted(SEEDS.glob("0*.txt")):
            shutil.copy(f, target / (f.stem + ".md"))
        shutil.copy(SEEDS / "004_bfd7eff721c6b0e3.txt", target / "174_изучи_все.md")
    return target


# set name → (vault maker, gold file)
SETS = {
    "demo": (lambda tmp: copy_vault(REPO / "vault", tmp, "vault"), GOLD / "demo.yaml"),
    "seeds": (seed_vault, GOLD / "seeds.yaml"),
    "open": (lambda tmp: copy_vault(REPO / "vault", tmp, "vault"), GOLD / "open.yaml"),
    "seeds_open": (seed_vault, GOLD / "seeds_open.yaml"),
    "household": (lambda tmp: copy_vault(GOLD / "vaults" / "household", tmp, "household"), GOLD / "household.yaml"),
}


def ranked_plain(searcher: Searcher, question: str, dense: bool) -> list[list[tuple[str, int]]]:
    if dense:
        embedder = searcher.embedder()
        if embedder is None:
            return []
        hits = searcher.segments.search_dense(embedder.embed_query(question), K)
    else:
        hits = searcher.segments.search_lexical(question, K)
    loaded = passages_by_row(searcher.conn, [r for r, _ in hits])
    return [[(loaded[r].path, loaded[r].line)] for r, _ in hits if r in loaded]


def groups_of(q: dict) -> list[str]:
    out = ["all", f"lang={q['lang']}", f"intent={q['intent']}"]
    if q.get("split"):
        out.append(f"split={q['split']}")
    answer = q.get("answer_lang", q["lang"])
    if answer != q["lang"]:
        out.append(f"cross={q['lang']}>{answer}")
        if q.get("split"):
            out.append(f"cross={q['lang']}>{answer},split={q['split']}")
    return out


def evaluate(searcher: Searcher, gold: list[dict]) -> dict:
    ranks: dict[tuple[str, str], list] = defaultdict(list)
    negatives: dict[str, list[bool]] = defaultdict(list)
    misses, latencies = [], []
    for q in gold:
        started = time.perf_counter()
        result = searcher.ask(q["question"], K)
        latencies.append(time.perf_counter() - started)
        if q.get("negative"):
            quiet = not result.answers
            for group in ("all", f"split={q.get('split', '-')}", f"lang={q['lang']}"):
                negatives[group].append(quiet)
            if not quiet:
                top = result.answers[0]
                misses.append(f"  {q['id']:<34} NEGATIVE answered ({len(result.answers)}): "
                              f"{top.citations[0].path}:{top.citations[0].line} {top.text[:60]!r}")
            continue
        full = first_hit([[(c.path, c.line) for c in a.citations] for a in result.answers], q["expect"])
        dense = first_hit(ranked_plain(searcher, q["question"], True), q["expect"])
        bm25 = first_hit(ranked_plain(searcher, q["question"], False), q["expect"])
        for system, rank in (("full", full), ("dense", dense), ("bm25", bm25)):
            for group in groups_of(q):
                ranks[(system, group)].append(rank)
        if not full or full > 5:
            top = result.answers[0].citations[0] if result.answers else None
            misses.append(f"  {q['id']:<34} rank {full}  intent {result.intent:<12} "
                          f"top: {f'{top.path}:{top.line}' if top else '-'}  [{q.get('split', '')}]")
    return {"ranks": ranks, "negatives": negatives, "misses": misses, "latency": latencies}


def summary(out: dict) -> dict:
    """The figures of one set as plain data (for --json and the README)."""
    data = {}
    for (system, group), values in out["ranks"].items():
        s = scores(values)
        data.setdefault(group, {})[system] = {"n": s.n, "hit1": s.hit1, "hit5": s.hit5, "mrr": s.mrr}
    for group, quiet in out["negatives"].items():
        data.setdefault(f"negatives {group}", {})["full"] = {"n": len(quiet), "quiet": sum(quiet) / len(quiet)}
    return data


def report(name: str, out: dict, systems: tuple[str, ...]) -> None:
    ranks = out["ranks"]
    groups = sorted({g for _, g in ranks}, key=lambda g: (g != "all", not g.startswith("split"),
                                                           not g.startswith("cross"), g))
    print(f"\n## {name}: hit@1 / hit@5 / MRR (top {K})")
    print(f"{'group':<28} {'system':<6} {'n':>4}  {'hit@1':>6}  {'hit@5':>6}  {'MRR':>6}")
    for g in groups:
        for system in systems:
            print(f"{g:<28} {system:<6} {scores(ranks[(system, g)]).row()}")
    for group, quiet in sorted(out["negatives"].items()):
        print(f"negatives {group:<18} answered with nothing: {sum(quiet)}/{len(quiet)} = {sum(quiet) / len(quiet):.3f}")
    lat = sorted(out["latency"])
    if lat:
        print(f"latency of a question in a loaded process: p50 {statistics.median(lat) * 1000:.1f} ms, "
              f"p90 {lat[int(len(lat) * 0.9)] * 1000:.1f} ms")
    if out["misses"]:
        print("full pipeline misses (not in top 5, or a negative answered):")
        print("\n".join(out["misses"]))


def _pooled(figures: dict) -> None:
    """Figures of several sets pooled (weighted by their question counts), per split and crossing."""
    groups = sorted({g for f in figures.values() for g in f}, key=lambda g: (not g.startswith("split"), g))
    for group in groups:
        rows = [f[group]["full"] for f in figures.values() if group in f]
        n = sum(r["n"] for r in rows)
        if group.startswith("negatives"):
            print(f"{group:<38} n {n:>3}  answered with nothing {sum(r['quiet'] * r['n'] for r in rows) / n:.3f}")
        elif group.startswith(("split", "cross", "all")):
            mean = {k: sum(r[k] * r["n"] for r in rows) / n for k in ("hit1", "hit5", "mrr")}
            print(f"{group:<38} n {n:>3}  hit@1 {mean['hit1']:.3f}  hit@5 {mean['hit5']:.3f}  MRR {mean['mrr']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="embedding model spec (default: kg's default)")
    parser.add_argument("--gold", action="append", choices=sorted(SETS), help="a set to run (repeat; default all)")
    parser.add_argument("--split", choices=("dev", "test"), help="only this half of the split sets")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--brief", action="store_true", help="the full pipeline only, no per-intent rows")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    chosen = args.gold or list(SETS)
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        searchers: dict[Path, Searcher] = {}
        for name in chosen:
            make, gold_file = SETS[name]
            root = make(Path(tmp))
            if root is None:
                print(f"../shared/seeds is absent: {name} skipped")
                continue
            if root not in searchers:
                started = time.perf_counter()
                done = index_vault(root, model=args.model, threads=args.threads)
                print(f"\n{root.name}: indexed {done.notes} notes, {done.search.passages} passages with "
                      f"{done.search.model} in {time.perf_counter() - started:.1f} s")
                searchers[root] = Searcher(root, threads=args.threads)
                searchers[root].ask("warm up", 1)
            gold = [q for q in load_gold(gold_file) if not args.split or q.get("split", args.split) == args.split]
            out = evaluate(searchers[root], gold)
            if args.brief:
                out["ranks"] = {k: v for k, v in out["ranks"].items() if k[0] == "full" and not k[1].startswith("intent")}
            report(name, out, ("full",) if args.brief else ("dense", "bm25", "full"))
            figures[name] = summary(out)
        for searcher in searchers.values():
            searcher.close()
    pooled = {}
    for name in chosen:
        if name in figures and name in ("open", "seeds_open", "household"):
            pooled[name] = figures[name]
    if pooled:
        print("\n## the split sets together (open, seeds_open, household)")
        _pooled(pooled)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
