"""Embedding a first build's passages in one process, against two worker processes (``index/embedding.py``).

    python benchmarks/embed_workers_bench.py                          # the demo vault's passages, repeated
    python benchmarks/embed_workers_bench.py --vault /path/indexed --texts 8000 --rounds 3

The texts are the passage texts of an indexed vault (``--vault``, read from its index; default: the demo vault,
indexed into a temporary copy, its texts repeated with a counter so that each is new to the cache). Each round
embeds the same texts into an empty embedding cache four times, in turns, so a burst of load on the machine hits
all: in this process on one thread (``--threads 1``, what a user who asks for one thread gets) and on the model's
own threads, on the two worker processes with the model as it is, and with its bulk variant (what a first build
past ``BULK_ABOVE`` texts uses: bfloat16 where torch and the CPU have it). Prints the medians, the ratios, and the
load average.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def passage_texts(vault: Path, n: int) -> list[str]:
    from vaultgraph.index.passages import search_text
    from vaultgraph.store import reader

    with reader(vault) as conn:
        texts = [search_text(r[0], r[1]) for r in conn.execute("SELECT context, text FROM passages")]
    random.Random(1).shuffle(texts)
    return [texts[i % len(texts)] + (f" ({i // len(texts)})" if i >= len(texts) else "") for i in range(n)]


def embed_once(texts: list[str], spec: str, threads: int | None) -> tuple[float, int]:
    import hashlib

    from vaultgraph.index.embedders import get_embedder
    from vaultgraph.index.embedding import embed_missing
    from vaultgraph.layout import embeddings_db

    embedder = get_embedder(spec, threads=threads)
    digests = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        embeddings_db(root).parent.mkdir(parents=True)  # the embedding cache's folder under .kg/
        started = time.perf_counter()
        done, workers = embed_missing(root, embedder, spec, digests, texts, threads=threads)
        seconds = time.perf_counter() - started
    assert done == len(set(digests))
    return seconds, workers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", type=Path, help="an indexed vault whose passages are embedded")
    parser.add_argument("--texts", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="use-multilingual")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        vault = args.vault
        if vault is None:
            from vaultgraph.service.indexing import index_vault

            vault = Path(tmp) / "vault"
            shutil.copytree(HERE.parent / "vault", vault, ignore=shutil.ignore_patterns(".kg"))
            index_vault(vault, model="fake")
        texts = passage_texts(vault, args.texts)
    chars = sum(map(len, texts))
    print(f"{len(texts)} passage texts ({chars / len(texts):.0f} characters on average), model {args.model}, "
          f"{os.cpu_count()} cores")
    import vaultgraph.index.embedding as embedding

    # the peers, in turns: one process on one thread (--threads 1); one process on the model's own threads, as
    # before the workers (PARALLEL_ABOVE out of reach); the worker processes a first build uses with the model
    # as it is (BULK_ABOVE out of reach) and with its bulk variant (bfloat16 where torch and the CPU have it)
    figures: dict[str, list[float]] = {"one thread": [], "one process": [], "workers": [], "bulk": []}
    parallel_above, bulk_above = embedding.PARALLEL_ABOVE, embedding.BULK_ABOVE
    for _ in range(args.rounds):
        for name, threads, above, bulk in (("one thread", 1, parallel_above, 10**12),
                                           ("one process", None, 10**12, 10**12),
                                           ("workers", None, parallel_above, 10**12),
                                           ("bulk", None, parallel_above, 0)):
            embedding.PARALLEL_ABOVE, embedding.BULK_ABOVE = above, bulk
            seconds, workers = embed_once(texts, args.model, threads)
            assert (workers > 1) == (name in ("workers", "bulk")), (name, workers)
            figures[name].append(seconds)
    embedding.PARALLEL_ABOVE, embedding.BULK_ABOVE = parallel_above, bulk_above
    medians = {name: statistics.median(values) for name, values in figures.items()}
    for name, label in (("one thread", "one process, one thread (--threads 1)"),
                        ("one process", "one process, the model's threads (before)"),
                        ("workers", "worker processes, the model as it is"),
                        ("bulk", "worker processes, the model's bulk variant")):
        print(f"  {label:<44} median {medians[name]:.1f} s  ({len(texts) / medians[name]:.0f} passages/s)  "
              f"{[round(v, 1) for v in figures[name]]}")
    print(f"  ratio: {medians['one process'] / medians['workers']:.2f}x faster with the workers than one process "
          f"on the model's threads, {medians['one thread'] / medians['workers']:.2f}x than one thread; the bulk "
          f"variant {medians['workers'] / medians['bulk']:.2f}x faster than the model as it is on the workers")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
