"""The index on a generated vault: a full build by stage, then the incremental cases and query latency.

    python benchmarks/index_bench.py --notes 10000                 # generates the vault in a temp folder
    python benchmarks/index_bench.py --vault /tmp/g10k --keep      # reuse (and keep) a generated vault
    python benchmarks/index_bench.py --vault /tmp/g10k --keep-embeddings   # full rebuild, vectors cached

Everything below is measured in one run, each figure next to its peer:
- full build (`index_vault` on a fresh `.kg/`, or one keeping only the embedding cache): seconds per stage (list, parse, resolve, graph, search:
  embed / bm25 / faiss), peak memory of the process (and of the parser workers);
- re-index with nothing changed, against the full build;
- one note edited until the change is answerable (`index_vault` + a loaded `Searcher` finding the new
  sentence; the model is already loaded), against the full build;
- a question in an already-loaded process (median / p90 of many), and a cold `kg ask` from the shell
  (median of a few) with where its time goes (imports, model load, search files, the query);
- FAISS: exact inner product against HNSW on this vault's own vectors (search time and recall@10)
  at growing sizes, which is how ``vectors.APPROXIMATE_ABOVE`` was chosen.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import vaultgen

HERE = Path(__file__).resolve().parent
QUESTIONS = [
    "risks of LoRA on CoT", "how to avoid catastrophic forgetting", "QLoRA memory cost", "what is DPO",
    "DPO vs PPO", "reward hacking consequences", "что такое дистилляция", "как бороться с переобучением",
    "риски квантизации", "mixture of experts routing", "scaling laws compute optimal", "RAG hallucination",
    "чем грозит mode collapse", "self-consistency cost", "evidence for instruction tuning", "tokenizer risks",
]



def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def full_build(root: Path, model: str | None, threads: int, keep_embeddings: bool = False):
    from vaultgraph.service import index_vault

    kept = root / ".kg" / "search" / "embeddings.sqlite"
    if keep_embeddings and kept.exists():  # everything else of the index is built again
        spare = root.parent / f".{root.name}-embeddings.sqlite"
        shutil.move(kept, spare)
        shutil.rmtree(root / ".kg", ignore_errors=True)
        kept.parent.mkdir(parents=True)
        shutil.move(spare, kept)
    else:
        shutil.rmtree(root / ".kg", ignore_errors=True)
    started = time.perf_counter()
    report = index_vault(root, model=model, threads=threads)
    return report, time.perf_counter() - started


def timed_index(root: Path, model: str | None, threads: int):
    from vaultgraph.service import index_vault

    started = time.perf_counter()
    report = index_vault(root, model=model, threads=threads)
    return report, time.perf_counter() - started


def edit_until_answerable(root: Path, model: str | None, threads: int, searcher, n: int = 5) -> list[float]:
    """Append a new sentence to a note, then re-index and ask until an answer quotes it."""
    notes = sorted(p for p in root.rglob("*.md") if ".kg" not in p.parts)
    out = []
    run = f"{time.time_ns() % 10**8:08d}"  # a word no earlier run wrote into the reused vault
    for i in range(n):
        note = notes[(i * 7919) % len(notes)]
        word = f"zorblatt{i}x{run}"
        started = time.perf_counter()
        note.write_text(note.read_text(encoding="utf-8", errors="replace")
                        + f"\n\n- The {word} effect makes LoRA adapters forget arithmetic.\n", encoding="utf-8")
        timed_index(root, model, threads)
        result = searcher.ask(f"{word} effect", 5)
        assert any(word in a.text for a in result.answers), f"the edit to {note} is not answerable"
        out.append(time.perf_counter() - started)
    return out


def in_process_latency(searcher, rounds: int = 3) -> list[float]:
    searcher.ask("warm up the model and the caches", 3)
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            started = time.perf_counter()
            searcher.ask(q, 8)
            times.append(time.perf_counter() - started)
    return times


def demo_latency(model: str | None, threads: int) -> list[float]:
    """The same questions on a copy of the demo vault: the peer of the 10k figure."""
    from vaultgraph.service import index_vault
    from vaultgraph.service.asking import Searcher

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "vault"
        shutil.copytree(HERE.parent / "vault", copy, ignore=shutil.ignore_patterns(".kg"))
        index_vault(copy, model=model, threads=threads)
        searcher = Searcher(copy, threads=threads)
        try:
            return in_process_latency(searcher)
        finally:
            searcher.close()


def cold_ask(root: Path, n: int = 5) -> tuple[list[float], dict]:
    kg = Path(sys.executable).with_name("kg")
    walls = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run([str(kg), "ask", "risks of LoRA on CoT", "--vault", str(root), "--json"],
                       capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    code = ("import time, json, sys; t0 = time.perf_counter(); "
            "from vaultgraph.service.asking import Searcher; t1 = time.perf_counter(); "
            f"s = Searcher({str(root)!r}); s.ask('risks of LoRA on CoT', 8); t2 = time.perf_counter(); "
            "print(json.dumps({'import': t1 - t0, 'first question': t2 - t1, **s.timings}))")
    parts = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout)
    return walls, parts


def faiss_comparison(root: Path, sizes=(25_000, 50_000, 100_000, 200_000, 400_000)) -> list[str]:
    import faiss
    import numpy as np

    from vaultgraph.index.cache import EmbeddingCache
    from vaultgraph.store import reader

    with reader(root) as conn:
        meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM meta")}
        digests = [r[0] for r in conn.execute("SELECT digest FROM passages ORDER BY row")]
    if not meta.get("model_id"):
        return ["no vectors (dense search off)"]
    dim = len(np.frombuffer(EmbeddingCache(root / ".kg" / "search" / "embeddings.sqlite", meta["model_id"], 1)
                            .conn.execute("SELECT vector FROM vectors LIMIT 1").fetchone()[0], dtype=np.float32))
    cache = EmbeddingCache(root / ".kg" / "search" / "embeddings.sqlite", meta["model_id"], dim)
    matrix = cache.get(digests)
    cache.close()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(1)
    queries = matrix[rng.choice(len(matrix), 50, replace=False)] + rng.normal(0, 0.05, (50, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    lines = []
    for size in [s for s in sizes if s <= len(matrix)] + ([len(matrix)] if len(matrix) not in sizes else []):
        data = matrix[:size]
        flat = faiss.IndexFlatIP(dim)
        flat.add(data)
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.add(data)
        build = time.perf_counter() - started
        hnsw.hnsw.efSearch = 96
        t_flat, t_hnsw, recall = [], [], []
        for q in queries:
            q = q.reshape(1, -1)
            s = time.perf_counter(); _, a = flat.search(q, 10); t_flat.append(time.perf_counter() - s)
            s = time.perf_counter(); _, b = hnsw.search(q, 10); t_hnsw.append(time.perf_counter() - s)
            recall.append(len(set(a[0]) & set(b[0])) / 10)
        lines.append(f"  {size:>7} vectors: flat {statistics.median(t_flat) * 1000:6.2f} ms, HNSW "
                     f"{statistics.median(t_hnsw) * 1000:5.2f} ms (recall@10 {statistics.mean(recall):.3f}, "
                     f"built in {build:.1f} s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--vault", type=Path, help="use (or generate into) this folder")
    parser.add_argument("--keep", action="store_true", help="keep the generated vault")
    parser.add_argument("--keep-embeddings", action="store_true",
                        help="rebuild everything but the embedding cache (its 70%% of a first build)")
    parser.add_argument("--edits", type=int, default=5, help="notes edited until answerable")
    parser.add_argument("--model", default=None, help="embedding model (default: kg's default)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    tmp = None
    root = args.vault
    if root is None:
        tmp = tempfile.mkdtemp(prefix="kg-index-bench-")
        root = Path(tmp) / "vault"
    if not root.exists() or not any(root.iterdir()):
        info = vaultgen.generate(root, args.notes, seed=1)
        print(f"generated {info['notes']} notes ({info['bytes'] / 2**20:.0f} MiB) in {root}")
    try:
        report, full = full_build(root, args.model, args.threads, args.keep_embeddings)
        own, children = peak_mib()
        print(f"\nfull build: {full:.1f} s for {report.notes} notes, {report.search.passages} passages, "
              f"{report.graph.claims} claims; peak {own:.0f} MiB (parser workers {children:.0f} MiB)")
        print("  by stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.stages.items()))
        noop = [timed_index(root, args.model, args.threads)[1] for _ in range(5)]
        print(f"re-index, nothing changed: median {statistics.median(noop):.2f} s "
              f"({statistics.median(noop) / full * 100:.2f}% of the full build)")

        from vaultgraph.service.asking import Searcher

        searcher = Searcher(root, threads=args.threads)
        lat = in_process_latency(searcher)
        first = sorted(lat[:len(QUESTIONS)])
        lat = sorted(lat)
        print(f"a question in a loaded process: p50 {statistics.median(lat) * 1000:.1f} ms, "
              f"p90 {lat[int(len(lat) * 0.9)] * 1000:.1f} ms over {len(lat)} questions "
              f"(first round alone: p50 {statistics.median(first) * 1000:.1f} ms)")
        peer = demo_latency(args.model, args.threads)
        print(f"  peer, the same questions on the demo vault (42 notes) in this run: p50 "
              f"{statistics.median(peer) * 1000:.1f} ms ({statistics.median(lat) / statistics.median(peer):.1f}x)")
        edits = edit_until_answerable(root, args.model, args.threads, searcher, args.edits)
        print(f"one note edited until answerable: median {statistics.median(edits):.2f} s, max {max(edits):.2f} s "
              f"of {len(edits)} (full build {full:.0f} s: {full / statistics.median(edits):.0f}x)")
        searcher.close()
        searcher = Searcher(root, threads=args.threads)
        after = sorted(in_process_latency(searcher))
        delta = searcher.segments.delta
        print(f"a question after {len(edits)} edits since the base ({len(delta.rows)} delta rows over "
              f"{len(delta.dead)} deleted base rows): p50 {statistics.median(after) * 1000:.1f} ms, "
              f"p90 {after[int(len(after) * 0.9)] * 1000:.1f} ms ({statistics.median(after) / statistics.median(lat):.2f}x "
              "the base's p50)")
        searcher.close()
        walls, parts = cold_ask(root)
        print(f"cold `kg ask` from the shell: median {statistics.median(walls):.2f} s; in it: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
        print("FAISS exact vs HNSW on this vault's vectors (one thread, 50 queries):")
        print("\n".join(faiss_comparison(root)))
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
