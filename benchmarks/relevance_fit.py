"""Fit the relevance decision of `kg ask` (src/vaultgraph/query/relevance.py) on the dev halves of the gold sets.

    python benchmarks/relevance_fit.py            # fit on dev (and the unsplit demo/seeds sets), print constants
    python benchmarks/relevance_fit.py --check    # how the constants in relevance.py do on dev and on test

What counts is per question: a negative question (the vault holds no answer) is silent when its most
likely candidate is refused; an answerable one keeps an answer when its most likely expected passage is
accepted. So the fit is a logistic regression (L2, Newton's method) on those passages: each negative
question's ``HARDEST`` most likely candidates against each answerable question's most likely expected
passage, both picked again under the weights of the previous round (hard-negative mining, ``ROUNDS``
rounds from equal weights). The threshold is then the one that keeps at least ``--quiet`` of the dev
negatives silent with the most dev questions keeping an expected passage. The test halves are never used
to fit. Candidates come from ``Searcher.candidates``; expected passages are the gold set's places.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "gold"))
sys.path.insert(0, str(HERE))

from ask_bench import SETS
from check import load_gold

from vaultgraph.query import relevance
from vaultgraph.service import index_vault
from vaultgraph.service.asking import Searcher

HARDEST = 3
ROUNDS = 6


def samples(split: str, model: str | None, tmp: Path) -> list[dict]:
    """One record per question: its features matrix, which rows are expected, whether it is negative."""
    out, searchers = [], {}
    for name, (make, gold_file) in SETS.items():
        root = make(tmp)
        if root is None:
            continue
        if root not in searchers:
            index_vault(root, model=model)
            searchers[root] = Searcher(root)
        searcher = searchers[root]
        for q in load_gold(gold_file):
            if q.get("split", "dev") != split:
                continue
            found = searcher.candidates(q["question"])
            hits = list(found.hits.values())
            unknown = found.asked.unknown_share()
            x = np.array([relevance.features(h, found.calibration, found.weak, len(found.entities), unknown)
                          for h in hits])
            expected = np.array([any(h.passage.path == e["path"] and e["lines"][0] <= h.passage.line <= e["lines"][1]
                                     for e in q.get("expect", [])) for h in hits], dtype=bool)
            out.append({"id": f"{name}:{q['id']}", "x": x.reshape(-1, len(relevance.FEATURES)), "y": expected,
                        "negative": bool(q.get("negative"))})
    for s in searchers.values():
        s.close()
    return out


def fit(records: list[dict], l2: float = 1.0) -> np.ndarray:
    beta = np.zeros(len(relevance.FEATURES) + 1)
    beta[:-1] = 1.0
    for _ in range(ROUNDS):
        xs, ys = [], []
        for r, p in zip(records, scores(records, beta)):
            if r["negative"] and len(p):
                xs.append(r["x"][np.argsort(-p)[:HARDEST]])
                ys += [0.0] * len(xs[-1])
            elif r["y"].any():
                best = np.flatnonzero(r["y"])[np.argmax(p[r["y"]])]
                xs.append(r["x"][best:best + 1])
                ys.append(1.0)
        beta = _logistic(np.concatenate(xs), np.asarray(ys), l2)
    return beta


def _logistic(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 100) -> np.ndarray:
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.where(y == 1, 1.0, (y == 1).sum() / max(1.0, (y == 0).sum()))  # the classes weigh the same
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ beta, -30, 30)))
        grad = x.T @ (w * (p - y)) + penalty * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def scores(records: list[dict], beta: np.ndarray) -> list[np.ndarray]:
    return [1 / (1 + np.exp(-np.clip(r["x"] @ beta[:-1] + beta[-1], -30, 30))) for r in records]


def outcome(records: list[dict], probs: list[np.ndarray], threshold: float) -> tuple[float, float]:
    """(share of negative questions left silent, share of answerable questions keeping an expected passage)."""
    neg = [r for r in records if r["negative"]]
    pos = [(r, p) for r, p in zip(records, probs) if not r["negative"]]
    quiet = sum(not (p >= threshold).any() for r, p in zip(records, probs) if r["negative"]) / max(1, len(neg))
    kept = sum(bool((p[r["y"]] >= threshold).any()) for r, p in pos) / max(1, len(pos))
    return quiet, kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--quiet", type=float, default=0.95, help="share of dev negatives that must stay silent")
    ap.add_argument("--check", action="store_true", help="evaluate the constants in relevance.py, fit nothing")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dev = samples("dev", args.model, Path(tmp))
        test = samples("test", args.model, Path(tmp)) if args.check else []
    current = np.array([*relevance.WEIGHTS, relevance.BIAS])
    if args.check:
        for name, records in (("dev", dev), ("test", test)):
            quiet, kept = outcome(records, scores(records, current), relevance.THRESHOLD)
            print(f"{name}: negatives silent {quiet:.3f}, answerable questions keeping an expected passage {kept:.3f}")
        return
    beta = fit(dev)
    probs = scores(dev, beta)
    grid = [(float(t), *outcome(dev, probs, t)) for t in np.linspace(0.05, 0.95, 91)]
    allowed = [g for g in grid if g[1] >= args.quiet]
    best = None
    if allowed:  # the middle of the thresholds that keep the most: the farthest from both kinds of error
        top = max(g[2] for g in allowed)
        ties = [g for g in allowed if g[2] == top]
        best = ties[len(ties) // 2]
    print(f"{sum(len(r['y']) for r in dev)} candidates of {len(dev)} dev questions "
          f"({sum(r['negative'] for r in dev)} negative)")
    print("FEATURES =", relevance.FEATURES)
    print("WEIGHTS = (" + ", ".join(f"{b:.3f}" for b in beta[:-1]) + ")")
    print(f"BIAS = {beta[-1]:.3f}")
    if best:
        print(f"THRESHOLD = {best[0]:.2f}  # dev: negatives silent {best[1]:.3f}, answerable kept {best[2]:.3f}")
    else:
        print(f"no threshold keeps {args.quiet:.0%} of the dev negatives silent")


if __name__ == "__main__":
    main()
