"""Answer quality and latency of `kg ask` on the gold sets, next to plain dense and plain BM25.

    python benchmarks/ask_bench.py                      # demo vault + seeds (when ../shared/seeds exists)
    python benchmarks/ask_bench.py --model fake --gold demo

All three systems search the same passages of the same index in the same run: plain dense (FAISS top-k
of the question's embedding), plain BM25 (bm25s top-k), and the full pipeline (intent, concepts, graph
candidates, fusion, boosts, duplicate collapse). Prints hit@1, hit@5 and MRR overall, per language and
per intent, the questions the full pipeline misses, and the median in-process latency of a question.
"""

from __future__ import annotations

import argparse
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
K = 10


def demo_vault(tmp: Path) -> Path:
    target = tmp / "vault"
    shutil.copytree(REPO / "vault", target, ignore=shutil.ignore_patterns(".kg"))
    return target


def seed_vault(tmp: Path) -> Path | None:
    if not SEEDS.is_dir():
        return None
    target = tmp / "seeds"
    (target / ".obsidian").mkdir(parents=True)
    for f in sorted(SEEDS.glob("0*.txt")):
        shutil.copy(f, target / (f.stem + ".md"))
    shutil.copy(SEEDS / "004_bfd7eff721c6b0e3.txt", target / "174_изучи_все.md")
    return target


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


def evaluate(root: Path, gold: list[dict], threads: int) -> dict:
    searcher = Searcher(root, threads=threads)
    searcher.ask("warm up", 1)
    ranks: dict[str, list] = defaultdict(list)
    misses, latencies = [], []
    for q in gold:
        started = time.perf_counter()
        result = searcher.ask(q["question"], K)
        latencies.append(time.perf_counter() - started)
        full = first_hit([[(c.path, c.line) for c in a.citations] for a in result.answers], q["expect"])
        dense = first_hit(ranked_plain(searcher, q["question"], True), q["expect"])
        bm25 = first_hit(ranked_plain(searcher, q["question"], False), q["expect"])
        for system, rank in (("full", full), ("dense", dense), ("bm25", bm25)):
            for group in ("all", f"lang={q['lang']}", f"intent={q['intent']}"):
                ranks[(system, group)].append(rank)
        if not full or full > 5:
            top = result.answers[0].citations[0] if result.answers else None
            misses.append(f"  {q['id']:<34} rank {full}  intent {result.intent:<12} "
                          f"top: {f'{top.path}:{top.line}' if top else '-'}")
    searcher.close()
    return {"ranks": ranks, "misses": misses, "latency": latencies}


def report(name: str, out: dict) -> None:
    ranks = out["ranks"]
    groups = sorted({g for _, g in ranks}, key=lambda g: (g != "all", g))
    print(f"\n## {name}: hit@1 / hit@5 / MRR (top {K})")
    print(f"{'group':<22} {'system':<6} {'n':>4}  {'hit@1':>6}  {'hit@5':>6}  {'MRR':>6}")
    for g in groups:
        for system in ("dense", "bm25", "full"):
            print(f"{g:<22} {system:<6} {scores(ranks[(system, g)]).row()}")
    lat = sorted(out["latency"])
    print(f"latency of a question in a loaded process: p50 {statistics.median(lat) * 1000:.1f} ms, "
          f"p90 {lat[int(len(lat) * 0.9)] * 1000:.1f} ms")
    if out["misses"]:
        print("full pipeline misses (not in top 5):")
        print("\n".join(out["misses"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="embedding model spec (default: kg's default)")
    parser.add_argument("--gold", choices=("demo", "seeds", "both"), default="both")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sets = []
        if args.gold in ("demo", "both"):
            sets.append(("demo vault", demo_vault(Path(tmp)), HERE / "gold" / "demo.yaml"))
        if args.gold in ("seeds", "both"):
            root = seed_vault(Path(tmp))
            if root is None:
                print("../shared/seeds is absent: seeds skipped")
            else:
                sets.append(("seed notes", root, HERE / "gold" / "seeds.yaml"))
        for name, root, gold in sets:
            started = time.perf_counter()
            report_ = index_vault(root, model=args.model, threads=args.threads)
            print(f"\n{name}: indexed {report_.notes} notes, {report_.search.passages} passages with "
                  f"{report_.search.model} in {time.perf_counter() - started:.1f} s")
            report(name, evaluate(root, load_gold(gold), args.threads))


if __name__ == "__main__":
    main()
