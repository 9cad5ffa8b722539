"""Does a passage answer the question at all? A decision measured on questions, calibrated per vault.

A question the vault cannot answer must get "Nothing in the vault answers this", not the least bad
passages; a question it can answer must keep every passage that does. Each candidate is read through a
few features:

    cover   the weighted share of the question's words the passage holds, in any form
            (``query/coverage.py``: translations, the vault's pairs, a learned term or concept it stands for)
    dense   its embedding similarity to the question, against what an unrelated question reaches in this
            vault (``index/calibration.py``: 0 at the median of the bank's best similarities, 1 at its
            90th percentile), and never below 0: a low similarity does not outvote the words (a short
            definition, a term in brackets in another language embed far from a question about them)
    linked  it is linked to a question concept (or inherits from one) named by more than an ordinary word
    weak    it is linked only to a concept the question names by an ordinary word ("prune the roses")
    term    it defines a learned term the question names (its specificity)
    via     the graph reaches it through a relation from a risk or problem found
    unknown the weighted share of the question's words the vault holds in no form at all (the same for
            every candidate of a question): "calibrate a language model's confidence" in a kitchen vault

and answers when ``sigmoid(WEIGHTS · features + BIAS) >= THRESHOLD``. The weights are a logistic regression
fit by ``benchmarks/relevance_fit.py`` on the dev halves of the gold sets (the expected passages against
every candidate of a negative question); the test halves only report. The threshold is the one that keeps
at least 95% of the dev negatives silent with the most dev questions answered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FEATURES = ("cover", "dense", "linked", "weak", "term", "via", "unknown")
# fit by benchmarks/relevance_fit.py on the dev halves (and the unsplit demo and seed sets): 156 questions,
# 16 of them negative; on dev 100.0% of the negatives silent and 97.1% of the others keeping an
# expected passage
WEIGHTS = (1.980, 1.378, 2.430, 0.871, 0.906, 0.105, -4.239)
BIAS = -1.247
THRESHOLD = 0.44


@dataclass(frozen=True)
class Calibration:
    """What an unrelated question's best dense similarity is in this vault: median and 90th percentile."""

    mid: float = 1.0
    high: float = 1.0

    @classmethod
    def of(cls, meta: dict[str, str]) -> Calibration:
        try:
            return cls(float(meta["dense_mid"]), float(meta["dense_high"]))
        except (KeyError, ValueError):
            return cls()

    def scale(self, similarity: float | None) -> float:
        if similarity is None:
            return 0.0
        return max(0.0, (similarity - self.mid) / max(0.02, self.high - self.mid))


def features(h, calibration: Calibration, weak: frozenset[str], entities: int, unknown: float = 0.0
             ) -> tuple[float, ...]:
    strong = bool(h.covered - weak) or bool(h.inherited_from and len(weak) < entities)
    return (h.cover, calibration.scale(h.dense), float(strong), float(bool(h.covered) and not strong),
            h.term, float(bool(h.via)), unknown)


def probability(values: tuple[float, ...]) -> float:
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, values))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def probabilities(hits, calibration: Calibration, weak: frozenset[str] = frozenset(), entities: int = 0,
                  unknown: float = 0.0):
    """``probability`` of every hit at once (numpy): a question weighs hundreds of candidates."""
    import numpy as np

    if not hits:
        return np.zeros(0)
    x = np.array([features(h, calibration, weak, entities, unknown) for h in hits])
    z = BIAS + x @ np.asarray(WEIGHTS)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def relevant(h, calibration: Calibration, weak: frozenset[str] = frozenset(), entities: int = 0,
             unknown: float = 0.0) -> bool:
    return probability(features(h, calibration, weak, entities, unknown)) >= THRESHOLD


__all__ = ["BIAS", "FEATURES", "THRESHOLD", "WEIGHTS", "Calibration", "features", "probability", "relevant"]
