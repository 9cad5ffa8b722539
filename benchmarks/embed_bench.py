"""Which embedding model should ``kg`` use by default? Measures every candidate in one run.

    python benchmarks/embed_bench.py                       # all candidates, both gold sets
    python benchmarks/embed_bench.py --models use-multilingual,e5-small --queries 100 --json out.json

For each candidate, in a fresh subprocess (so a load time includes its imports, and one model's
threads or torch never bleed into the next): load time, passages embedded per second (1 thread, all
passages; 2 threads, a sample), the median latency of one query at 1 and at 2 threads (interleaved
rounds, so a burst of load on the machine hits both), peak memory, and **dense-only retrieval
quality** on the gold sets: hit@1, hit@5 and MRR, per language of the question.

Passages are what ``kg`` indexes: every note of the vault is indexed into a temporary copy and cut
into passages by ``vaultgraph.index.passages`` (claims, sections, long frontmatter fields; the
extracted claims alone when that module is missing). A question is a hit at k when one of its top-k
passages has an expected path and its first line inside the expected ``[start, end]``.

Gold sets (a YAML list of ``{id, question, lang, intent, expect: [{path, lines: [start, end]}]}``):
``benchmarks/gold/demo.yaml`` on the demo ``vault/`` and ``benchmarks/gold/seeds.yaml`` on the
user's notes in ``../shared/seeds`` (copied as ``.md``), each skipped when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CANDIDATES = ("use-multilingual", "e5-small", "minilm", "fake")
SPEED_SAMPLE = 128  # passages embedded again at 2 threads


# ------------------------------------------------------------------ passages and gold
def vault_copy(source: Path, into: Path, seeds: bool = False) -> Path:
    """The notes of ``source`` in a fresh folder, without its ``.kg``; seeds: only the ``.txt`` notes, as ``.md``."""
    into.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or rel.parts[0] in (".kg", ".obsidian") or seeds and path.suffix != ".txt":
            continue
        target = into / (rel.with_suffix(".md") if seeds else rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return into


def passages_of(root: Path) -> tuple[list[dict], str]:
    """Index ``root`` and cut every note into passages: ``[{path, line, end, text}]`` and what they are."""
    from vaultgraph.extract.facts import extract
    from vaultgraph.service import index_vault
    from vaultgraph.service.graphing import _load, concept_index
    from vaultgraph.store import reader
    from vaultgraph.vault import NameIndex

    try:
        from vaultgraph.index.passages import note_passages
    except ImportError:
        note_passages = None
    index_vault(root)
    out = []
    with reader(root) as conn:
        names = NameIndex()
        for row in conn.execute("SELECT path, aliases FROM notes"):
            names.add(row["path"], tuple(json.loads(row["aliases"])))
        concepts = concept_index(conn)
        paths = [r["path"] for r in conn.execute("SELECT path FROM notes WHERE record IS NOT NULL ORDER BY path")]
        for path in paths:
            note = _load(conn, path)
            facts = extract(note, concepts, lambda target, src=path: names.resolve(src, target)[0])
            if note_passages is not None:
                out += [{"path": p.path, "line": p.line, "end": p.end_line, "text": p.search_text,
                         "field": p.field} for p in note_passages(note, facts)]
            else:
                out += [{"path": c.path, "line": c.line, "end": c.end_line, "text": c.text, "field": "claim"}
                        for c in facts.claims]
    kind = "index.passages (claims, sections, frontmatter)" if note_passages else "extracted claims"
    return out, kind


def load_gold(path: Path) -> list[dict]:
    import yaml

    return [q for q in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if isinstance(q, dict)]


def seeds_dir() -> Path | None:
    for candidate in (REPO.parent / "shared" / "seeds", Path("/work/shared/seeds")):
        if candidate.is_dir():
            return candidate
    return None


def gold_sets(work: Path) -> list[dict]:
    """``[{name, passages, kind, questions}]`` for each gold file present."""
    wanted = [("demo", HERE / "gold" / "demo.yaml", REPO / "vault"), ("seeds", HERE / "gold" / "seeds.yaml", seeds_dir())]
    sets = []
    for name, gold, source in wanted:
        if not gold.exists() or source is None:
            print(f"[skip] {name}: {gold if not gold.exists() else 'no seeds folder'} missing", file=sys.stderr)
            continue
        root = vault_copy(source, work / name, seeds=name == "seeds")
        passages, kind = passages_of(root)
        questions = load_gold(gold)
        have = {p["path"] for p in passages}
        for q in questions:
            for e in q.get("expect", []):
                if e["path"] not in have:
                    print(f"[warn] {name}/{q['id']}: no passage in {e['path']!r}", file=sys.stderr)
        for q in questions:
            q["answer_lang"] = answer_language(q, passages)
        sets.append({"name": name, "passages": passages, "kind": kind, "questions": questions})
    return sets


def answer_language(question: dict, passages: list[dict]) -> str:
    """``ru`` / ``en``: the language of every expected place (by script), ``mixed`` when they differ."""
    langs = set()
    for e in question.get("expect", []):
        text = " ".join(p["text"] for p in passages
                        if p["path"] == e["path"] and e["lines"][0] <= p["line"] <= e["lines"][1] and p["field"] != "section")
        letters = [ch for ch in text if ch.isalpha()]
        if letters:
            cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters)
            langs.add("ru" if cyrillic > 0.3 else "en")
    return langs.pop() if len(langs) == 1 else "mixed"


# ------------------------------------------------------------------ one candidate (subprocess)
def hit_rank(order, passages: list[dict], expect: list[dict]) -> int | None:
    """1-based rank of the first passage that starts inside an expected range, or None."""
    for rank, i in enumerate(order, 1):
        p = passages[i]
        if any(p["path"] == e["path"] and e["lines"][0] <= p["line"] <= e["lines"][1] for e in expect):
            return rank
    return None


def measure(spec: str, data: dict, n_queries: int) -> dict:
    import numpy as np

    from vaultgraph.index.embedders import get_embedder

    started = time.perf_counter()
    embedder = get_embedder(spec, threads=1)
    embedder.embed_query("warm up")
    load_s = time.perf_counter() - started
    set_threads = getattr(embedder, "set_threads", lambda n: None)

    result = {"spec": spec, "model_id": embedder.model_id, "dim": embedder.dim, "load_s": load_s, "sets": {}}
    total_passages, embed_s = 0, 0.0
    questions_all = []
    for s in data["sets"]:
        texts = [p["text"] for p in s["passages"]]
        t = time.perf_counter()
        matrix = embedder.embed_passages(texts)
        embed_s += time.perf_counter() - t
        total_passages += len(texts)
        norms = np.linalg.norm(matrix, axis=1)
        assert np.allclose(norms, 1.0, atol=1e-3), f"{spec}: vectors are not unit length"
        ranks = []
        for q in s["questions"]:
            scores = matrix @ embedder.embed_query(q["question"])
            order = np.argsort(-scores, kind="stable")
            ranks.append({"id": q["id"], "lang": q.get("lang", "?"), "answer_lang": q.get("answer_lang", "mixed"),
                          "rank": hit_rank(order, s["passages"], q["expect"])})
        result["sets"][s["name"]] = ranks
        questions_all += [q["question"] for q in s["questions"]]
    result["passages_per_s_1"] = total_passages / embed_s if embed_s else 0.0

    sample = [p["text"] for s in data["sets"] for p in s["passages"]][:SPEED_SAMPLE]
    for threads in (2, 1):
        set_threads(threads)
        t = time.perf_counter()
        embedder.embed_passages(sample)
        result[f"sample_per_s_{threads}"] = len(sample) / (time.perf_counter() - t)
    result["passages_per_s_2"] = result["passages_per_s_1"] * result["sample_per_s_2"] / result["sample_per_s_1"]

    questions_all = questions_all or ["risks of LoRA on CoT"]
    latencies: dict[int, list[float]] = {1: [], 2: []}
    rounds = max(1, n_queries // 10)
    for r in range(rounds):
        for threads in ((1, 2) if r % 2 == 0 else (2, 1)):
            set_threads(threads)
            for i in range(10):
                text = questions_all[(r * 10 + i) % len(questions_all)]
                t = time.perf_counter()
                embedder.embed_query(text)
                latencies[threads].append(time.perf_counter() - t)
    result["query_ms_1"] = statistics.median(latencies[1]) * 1000
    result["query_ms_2"] = statistics.median(latencies[2]) * 1000
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM starts afresh at exec, unlike ru_maxrss after a fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ms(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def run_candidate(spec: str, data_file: Path, n_queries: int) -> dict:
    out_file = data_file.with_name(f"result-{spec.replace('/', '_').replace(':', '_')}.json")
    cmd = [sys.executable, __file__, "--worker", spec, "--data", str(data_file), "--out", str(out_file),
           "--queries", str(n_queries)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not out_file.exists():
        reason = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"spec": spec, "error": reason}
    return json.loads(out_file.read_text())


# ------------------------------------------------------------------ report
def scores(ranks: list[dict]) -> tuple[int, float, float, float]:
    n = len(ranks)
    if not n:
        return 0, 0.0, 0.0, 0.0
    h1 = sum(r["rank"] == 1 for r in ranks) / n
    h5 = sum(r["rank"] is not None and r["rank"] <= 5 for r in ranks) / n
    mrr = sum(1 / r["rank"] for r in ranks if r["rank"]) / n
    return n, h1, h5, mrr


def _is_cross(q: dict) -> bool:
    """Asked in one language, answered only in the other."""
    return q.get("answer_lang") in ("en", "ru") and q.get("answer_lang") != q.get("lang")


def report(results: list[dict], sets: list[dict]) -> str:
    groups = [(s["name"], lang) for s in sets for lang in ("en", "ru")]
    lines = ["Dense-only retrieval, hit@1 / hit@5 / MRR (by the question's language; cross-lingual: every "
             "expected place is in the other language):", ""]
    head = ["model"] + [f"{name} {lang} (n={sum(q.get('lang') == lang for q in s['questions'])})"
                        for s in sets for name, lang in [(s["name"], "en"), (s["name"], "ru")]]
    cross = sum(_is_cross(q) for s in sets for q in s["questions"])
    total = sum(len(s["questions"]) for s in sets)
    head += [f"cross-lingual (n={cross})", f"all (n={total})"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['spec']} | " + " | ".join(["—"] * (len(head) - 1)) + " |")
            continue
        cells = [r["spec"]]
        for name, lang in groups:
            _, h1, h5, mrr = scores([x for x in r["sets"].get(name, []) if x["lang"] == lang])
            cells.append(f"{h1:.2f} / {h5:.2f} / {mrr:.2f}")
        _, h1, h5, mrr = scores([x for ranks in r["sets"].values() for x in ranks if _is_cross(x)])
        cells.append(f"{h1:.2f} / {h5:.2f} / {mrr:.2f}")
        _, h1, h5, mrr = scores([x for ranks in r["sets"].values() for x in ranks])
        cells.append(f"**{h1:.2f} / {h5:.2f} / {mrr:.2f}**")
        lines.append("| " + " | ".join(cells) + " |")
    n_passages = " + ".join(f"{len(s['passages'])} {s['name']}" for s in sets)
    lines += ["", f"Speed (passages: {n_passages}; medians; one thread unless said):", "",
              "| model | dim | load s | passages/s 1 thr | passages/s 2 thr | query ms 1 thr | query ms 2 thr | peak RSS MiB |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['spec']} | failed: {r['error']} |||||||")
            continue
        lines.append(f"| {r['spec']} | {r['dim']} | {r['load_s']:.2f} | {r['passages_per_s_1']:.1f} | "
                     f"{r['passages_per_s_2']:.1f} | {ms(r['query_ms_1'])} | {ms(r['query_ms_2'])} | "
                     f"{r['peak_rss_mib']:.0f} |")
    lines += ["", "model ids: " + "; ".join(r.get("model_id", r["spec"]) for r in results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(CANDIDATES), help="comma-separated specs")
    ap.add_argument("--queries", type=int, default=60, help="single-query timings per thread setting")
    ap.add_argument("--json", help="also write every number (and each question's rank) here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        data = json.loads(Path(args.data).read_text())
        Path(args.out).write_text(json.dumps(measure(args.worker, data, args.queries)))
        return 0

    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp:
        work = Path(tmp)
        sets = gold_sets(work)
        if not sets:
            print("no gold set found", file=sys.stderr)
            return 1
        for s in sets:
            print(f"{s['name']}: {len(s['questions'])} questions, {len(s['passages'])} passages ({s['kind']})",
                  file=sys.stderr)
        data_file = work / "data.json"
        data_file.write_text(json.dumps({"sets": sets}))
        results = []
        for spec in [m.strip() for m in args.models.split(",") if m.strip()]:
            print(f"measuring {spec} …", file=sys.stderr, flush=True)
            results.append(run_candidate(spec, data_file, args.queries))
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the end of the run")
    print(report(results, sets))
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
