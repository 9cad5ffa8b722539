"""What each way of reaching the vault's own words adds to `kg ask`, measured on the split gold sets.

    python benchmarks/vocab_bench.py              # dev and test halves of open, seeds_open, household
    python benchmarks/vocab_bench.py --split test

Every row answers the same questions from the same indexes in one process, with one part turned off
(monkeypatched here; nothing in kg has a switch for it):

    all            everything (what kg does)
    -translations  no translations by the embedding model's nearest words (CSLS)
    -loanwords     no words that sound alike across scripts («градиент» / "gradient")
    -prefixes      no derived forms the stemmer left apart ("leak" / "leakage")
    -pairs         no bilingual pairs the vault states («обрезка градиентов (gradient clipping)»)
    -terms         no learned terms at all (their defining passages, and the pairs with them)
    -all-words     none of the above: the question's own words, the graph and the dense index only

Prints hit@1 / hit@5 / MRR overall and for each language crossing, and the share of negative questions
answered with nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "gold"))
sys.path.insert(0, str(HERE))

from ask_bench import SETS
from check import load_gold
from score import first_hit, scores

from vaultgraph.index import words
from vaultgraph.query import coverage
from vaultgraph.service import index_vault
from vaultgraph.service.asking import Searcher

SPLIT_SETS = ("open", "seeds_open", "household")


def _no_pairs(q, question, conn):
    coverage_terms(q, question, conn)
    q.variants = {w: {f: s for f, s in forms.items() if s < 1.0} for w, forms in q.variants.items()}


coverage_terms = coverage._terms
OFF = {
    "-translations": [mock.patch.object(words, "CSLS_MIN", 99.0), mock.patch.object(words, "TOP_CSLS_MIN", 99.0)],
    "-loanwords": [mock.patch.object(words, "TRANSLIT_COS", 99.0)],
    "-prefixes": [mock.patch.object(words.Translator, "forms", lambda self, stem: [])],
    "-pairs": [mock.patch.object(coverage, "_terms", _no_pairs)],
    "-terms": [mock.patch.object(coverage, "_terms", lambda q, question, conn: None)],
}
OFF["-all-words"] = [p for parts in OFF.values() for p in parts if p.attribute != "_terms"] + \
    [mock.patch.object(coverage, "_terms", lambda q, question, conn: None)]


def run(questions: list[tuple[Searcher, dict]]) -> tuple[dict, float]:
    ranks, quiet = defaultdict(list), []
    for searcher, q in questions:
        result = searcher.ask(q["question"], 10)
        if q.get("negative"):
            quiet.append(not result.answers)
            continue
        rank = first_hit([[(c.path, c.line) for c in a.citations] for a in result.answers], q["expect"])
        ranks["all"].append(rank)
        answer = q.get("answer_lang", q["lang"])
        if answer != q["lang"]:
            ranks[f"{q['lang']}>{answer}"].append(rank)
    return {k: scores(v) for k, v in ranks.items()}, (sum(quiet) / len(quiet) if quiet else 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=("dev", "test"), help="one half only (default: both, each reported)")
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    splits = (args.split,) if args.split else ("dev", "test")
    with tempfile.TemporaryDirectory() as tmp:
        searchers: dict[Path, Searcher] = {}
        questions: dict[str, list] = {s: [] for s in splits}
        for name in SPLIT_SETS:
            make, gold_file = SETS[name]
            root = make(Path(tmp))
            if root is None:
                print(f"{name}: ../shared/seeds is absent, skipped")
                continue
            if root not in searchers:
                index_vault(root, model=args.model)
                searchers[root] = Searcher(root)
                searchers[root].ask("warm up", 1)
            for q in load_gold(gold_file):
                if q.get("split") in questions:
                    questions[q["split"]].append((searchers[root], q))
        for split in splits:
            print(f"\n## {split} half ({len(questions[split])} questions): hit@1 / hit@5 / MRR")
            print(f"{'':<14} {'all':>20} {'en>ru':>20} {'ru>en':>20}  negatives silent")
            for label in ("all", *OFF):
                with ExitStack() as stack:
                    for patch in OFF.get(label, []):
                        stack.enter_context(patch)
                    figures, quiet = run(questions[split])
                cells = [f"{figures[g].hit1:.2f} {figures[g].hit5:.2f} {figures[g].mrr:.2f}" if g in figures else "-"
                         for g in ("all", "en>ru", "ru>en")]
                print(f"{label:<14} " + " ".join(f"{c:>20}" for c in cells) + f"  {quiet:.3f}")
        for searcher in searchers.values():
            searcher.close()


if __name__ == "__main__":
    main()
