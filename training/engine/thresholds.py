"""The multi-label decision threshold, chosen on the validation set."""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLD = 0.5
# The threshold never leaves this range, so one odd validation set cannot make the model tag
# every class or none.
LOWEST, HIGHEST = 0.05, 0.95


def tune_thresholds(
    probabilities: np.ndarray, truth: np.ndarray, labels_per_document: float | None = None
) -> np.ndarray:
    """One threshold shared by every class, placed so that the validation documents receive as
    many labels as documents of this project carry on average (`labels_per_document`, counted
    over all its labelled documents; the validation documents' own count when not given).

    Why a count and not the best validation F1: a studio project often has 5 to 10 validation
    documents for dozens of classes, and the F1 curve over so few labels is a staircase whose
    best step moves by 0.1 or more between neighbouring data sets; a per-class optimum is noisier
    still. Matching the label count reads every validation probability, not only those of the
    few true labels. On NLU++ hotels (40 classes) it gave equal or better micro-F1 than the best
    shared F1 threshold refined per class, with small and large validation sets, and it makes
    the int8 model agree with the fp32 one more often (docs/benchmarks.md, Accuracy).
    Without validation documents the threshold is 0.5."""
    n_documents, n_classes = truth.shape
    if n_documents == 0:
        return np.full(n_classes, DEFAULT_THRESHOLD)
    rate = truth.sum() / n_documents if labels_per_document is None else labels_per_document
    wanted = round(float(rate) * n_documents)
    ranked = np.sort(probabilities, axis=None)[::-1]
    if wanted <= 0:
        threshold = HIGHEST
    elif wanted >= ranked.size:
        threshold = LOWEST
    else:  # halfway between the last probability in and the first one out
        threshold = (ranked[wanted - 1] + ranked[wanted]) / 2
    return np.full(n_classes, float(np.clip(threshold, LOWEST, HIGHEST)))


def labels_per_document(targets: np.ndarray) -> float:
    """The mean number of labels of the documents of a 0/1 documents x classes matrix."""
    return float(targets.sum(axis=1).mean()) if len(targets) else 0.0
