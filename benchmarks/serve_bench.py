"""How long a question takes through a running ``kg serve``, next to the other ways, in one run:

* HTTP: ``GET /api/ask`` end to end (a new connection per question, the JSON read);
* ``kg ask`` from the shell while the server runs (it finds ``.kg/server.json`` and asks it);
* in-process: a loaded ``Searcher`` in this process (the floor: what the server itself spends);
* cold ``kg ask`` from the shell with no server (``KG_SERVER=0``): imports, loading, the question;
* ``kg --help``: the CLI's own start-up (Python, typer), the floor of any command.

    python benchmarks/serve_bench.py                    # the demo vault, kg's default model
    python benchmarks/serve_bench.py --notes 300        # also a generated vault (vaultgen, seed 1)
    python benchmarks/serve_bench.py --vault COPY       # also a vault already indexed (5 of its notes get a line)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from index_bench import QUESTIONS  # noqa: E402 - the questions of the index benchmark
from serving import KG, Served, kg_env  # noqa: E402


def http_ask(port: int, question: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/api/ask?" + urlencode({"q": question}))
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    assert response.status == 200 and "answers" in data, data
    return time.perf_counter() - started


def shell_ask(vault: Path, question: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(KG), "ask", question, "--vault", str(vault)], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


WORDS = ("quokka", "axolotl", "pangolin", "narwhal", "okapi")


def edit_answered(port: int, vault: Path, i: int) -> float:
    """Seconds from saving a new sentence into a note until the server answers a question with it."""
    note = sorted(vault.rglob("*.md"))[i * 3]
    word = WORDS[i % len(WORDS)]
    # a word no earlier run wrote: the vault may be one a previous run edited, whose sentences are indexed
    mark = "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
    sentence = f"Adapters trained on {word} transcripts drift toward {word} {mark} jargon within three epochs."
    started = time.perf_counter()
    with open(note, "a", encoding="utf-8") as handle:
        handle.write(f"\n\n{sentence}\n")
    while time.perf_counter() - started < 60:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/ask?" + urlencode({"q": f"{word} {mark} transcripts jargon"}))
        data = json.loads(conn.getresponse().read())
        conn.close()
        if any(mark in a["text"] for a in data["answers"]):
            return time.perf_counter() - started
        time.sleep(0.02)
    return float("inf")


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"p50 {1000 * statistics.median(ordered):.1f} ms, p90 {1000 * ordered[int(0.9 * (len(ordered) - 1))]:.1f}"
            f" ms (n={len(ordered)})")


def measure(vault: Path, env: dict, rounds: int, shell_rounds: int, threads: int) -> dict:
    """All four ways on one vault; the server is started (and indexes) first, then stopped at the end."""
    from vaultgraph.service.asking import Searcher

    started = time.perf_counter()
    with Served(vault, env=env, ready_seconds=3600) as served:
        ready = time.perf_counter() - started
        for q in QUESTIONS:  # first questions: the reasoning graph of a comparison, caches
            http_ask(served.port, q)
        through_http = [http_ask(served.port, q) for _ in range(rounds) for q in QUESTIONS]
        through_cli = [shell_ask(vault, q, env) for _ in range(shell_rounds) for q in QUESTIONS]
        asked = sum(" GET /api/ask " in line for line in served.log)
        edits = [edit_answered(served.port, vault, i) for i in range(5)]
    assert asked == len(QUESTIONS) * (1 + rounds + shell_rounds), "kg ask did not use the server"
    searcher = Searcher(vault, threads=threads)
    searcher.refresh()
    for q in QUESTIONS:
        searcher.ask(q).to_dict()
    in_process = []
    for _ in range(rounds):
        for q in QUESTIONS:
            t = time.perf_counter()
            searcher.ask(q).to_dict()
            in_process.append(time.perf_counter() - t)
    searcher.close()
    cold = [shell_ask(vault, q, {**env, "KG_SERVER": "0"}) for _ in range(shell_rounds) for q in QUESTIONS]
    floor = []
    for _ in range(len(QUESTIONS)):
        t = time.perf_counter()
        subprocess.run([str(KG), "--help"], env=env, check=True, capture_output=True)
        floor.append(time.perf_counter() - t)
    return {"server_ready_s": round(ready, 2), "http": through_http, "kg_ask_with_server": through_cli,
            "in_process": in_process, "cold_kg_ask": cold, "kg_help": floor, "edit_answered": edits}


def report(name: str, figures: dict) -> None:
    print(f"\n{name}: server ready (index + load) in {figures['server_ready_s']:.1f} s")
    for key, label in (("http", "HTTP GET /api/ask"), ("kg_ask_with_server", "kg ask, server running"),
                       ("in_process", "in-process Searcher"), ("cold_kg_ask", "cold kg ask, no server"),
                       ("kg_help", "kg --help (start-up floor)"), ("edit_answered", "an edit answered after")):
        print(f"  {label:<26} {ms(figures[key])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="embedding model (default: kg's default)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the questions, HTTP and in-process")
    parser.add_argument("--shell-rounds", type=int, default=1, help="rounds of the questions from the shell")
    parser.add_argument("--notes", type=int, default=0, help="also a generated vault of this many notes")
    parser.add_argument("--vault", type=Path, help="also this vault, indexed beforehand (a copy: the edit "
                        "measurement appends a sentence to five of its notes)")
    parser.add_argument("--skip-demo", action="store_true", help="measure only --notes / --vault")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    env = {**kg_env(), "KG_MODEL": args.model or "", "KG_THREADS": str(args.threads)}
    os.environ.update(env)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "vault"
        shutil.copytree(HERE.parent / "vault", demo, ignore=shutil.ignore_patterns(".kg"))
        if not args.skip_demo:
            results["demo"] = measure(demo, env, args.rounds, args.shell_rounds, args.threads)
            report("demo vault", results["demo"])
        if args.notes:
            import vaultgen

            generated = Path(tmp) / f"g{args.notes}"
            vaultgen.generate(generated, args.notes, seed=1)
            results[f"vaultgen_{args.notes}"] = measure(generated, env, args.rounds, args.shell_rounds, args.threads)
            report(f"vaultgen, {args.notes} notes", results[f"vaultgen_{args.notes}"])
        if args.vault:
            results[args.vault.name] = measure(args.vault.resolve(), env, args.rounds, args.shell_rounds, args.threads)
            report(f"{args.vault} (indexed beforehand)", results[args.vault.name])
    load = os.getloadavg()[0]
    print(f"\nload average at the end: {load:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"load": load, **{k: {m: (round(statistics.median(v) * 1000, 1)
                                                               if isinstance(v, list) else v)
                                                           for m, v in r.items()} for k, r in results.items()}},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
