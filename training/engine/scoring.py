"""The one number model selection looks at on the validation set, and its loss."""

from __future__ import annotations

import numpy as np

from training.engine.thresholds import tune_thresholds


def validation_score(
    probabilities: np.ndarray,
    targets: np.ndarray,
    multi_label: bool,
    labels_per_document: float | None = None,
) -> float:
    """Single-label: accuracy. Multi-label: micro-F1 at the threshold tuned on these documents
    (given the project's mean label count), which is how it will be chosen for the model kept."""
    if not multi_label:
        return float((probabilities.argmax(axis=1) == targets.argmax(axis=1)).mean())
    chosen = probabilities >= tune_thresholds(probabilities, targets, labels_per_document)
    tp = float(np.logical_and(chosen, targets > 0).sum())
    wrong = float((chosen != (targets > 0)).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def validation_loss(probabilities: np.ndarray, targets: np.ndarray, multi_label: bool) -> float:
    """Mean cross-entropy (single-label) or mean per-class binary cross-entropy (multi-label)."""
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    if multi_label:
        return float(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)).mean())
    return float(-np.log(p[targets > 0]).mean())
