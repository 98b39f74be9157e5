"""Multi-label decision thresholds, tuned on the validation set."""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLD = 0.5
CANDIDATES = np.round(np.arange(0.05, 0.951, 0.01), 2)
# A class gets its own threshold only with this many positive validation documents; below
# that a per-class optimum is noise, and the shared (micro-F1) threshold is used.
MIN_POSITIVES_PER_CLASS = 5


def tune_thresholds(probabilities: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-class thresholds maximising validation F1: one shared threshold maximising micro-F1,
    refined per class where the class has enough positives. Ties go to the middle of the best
    run of candidates, the choice least sensitive to the exact validation documents.
    Without validation documents every threshold is 0.5."""
    n_classes = truth.shape[1]
    if len(truth) == 0:
        return np.full(n_classes, DEFAULT_THRESHOLD)
    shared = _best(lambda t: _f1(probabilities >= t, truth))
    thresholds = np.full(n_classes, shared)
    for j in range(n_classes):
        if truth[:, j].sum() >= MIN_POSITIVES_PER_CLASS:
            thresholds[j] = _best(lambda t, j=j: _f1(probabilities[:, j] >= t, truth[:, j]))
    return thresholds


def _best(score) -> float:
    scores = np.array([score(t) for t in CANDIDATES])
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    # The middle of the first run of best candidates.
    run_end = best[0]
    while run_end + 1 in best:
        run_end += 1
    return float(CANDIDATES[(best[0] + run_end) // 2])


def _f1(chosen: np.ndarray, truth: np.ndarray) -> float:
    tp = float(np.logical_and(chosen, truth > 0).sum())
    fp = float(np.logical_and(chosen, truth == 0).sum())
    fn = float(np.logical_and(~chosen, truth > 0).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
