"""The linear head over sentence embeddings: fitted by scikit-learn logistic regression (the
`quick` head, and the starting point of `standard` fine-tuning), held as a torch layer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

# Inverse L2 strength on unit-length embeddings, by project kind, chosen on development data
# (docs/benchmarks.md, "Why these recipes"). One softmax regression over the
# classes did best at C = 1 on frozen embeddings (AG News, K = 8 to 64 per class); one binary
# regression per class, each with a handful of positives, needs C = 10 or its classes never
# reach a threshold (NLU++ low-data: 30 to 35 micro-F1 at C = 1, 46 to 54 at C = 10).
SINGLE_LABEL_C = 1.0
MULTI_LABEL_C = 10.0
# Logit given to a class no training document carries, so it is never chosen.
ABSENT_LOGIT = -20.0


def label_matrix(labels: list[list[str]], classes: list[str]) -> np.ndarray:
    """Documents x classes 0/1 matrix of tags."""
    column = {c: j for j, c in enumerate(classes)}
    matrix = np.zeros((len(labels), len(classes)), dtype=np.float32)
    for i, tags in enumerate(labels):
        for tag in tags:
            matrix[i, column[tag]] = 1.0
    return matrix


def fit_logistic_head(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    multi_label: bool,
    seed: int,
    c: float | None = None,
    check: Callable[[], None] = lambda: None,
) -> torch.nn.Linear:
    """Softmax regression over the classes present (single-label) or one binary regression
    per class (multi-label), with inverse regularization strength `c` (by default the one for
    the project kind). A class with no positive (or no negative) training example gets a
    constant logit from its smoothed prior instead of a fit."""
    if c is None:
        c = MULTI_LABEL_C if multi_label else SINGLE_LABEL_C
    n_classes = targets.shape[1]
    weight = np.zeros((n_classes, features.shape[1]), dtype=np.float64)
    bias = np.full(n_classes, ABSENT_LOGIT, dtype=np.float64)
    positives = targets.sum(axis=0)
    if multi_label:
        for j in range(n_classes):
            check()
            if 0 < positives[j] < len(targets):
                model = _logistic(seed, c).fit(features, targets[:, j])
                weight[j], bias[j] = model.coef_[0], model.intercept_[0]
            else:
                bias[j] = np.log((positives[j] + 0.5) / (len(targets) - positives[j] + 0.5))
    else:
        present = np.flatnonzero(positives)
        model = _logistic(seed, c).fit(features, targets.argmax(axis=1))
        if len(present) == 2:  # binary sklearn keeps one row: logit of the second class
            weight[present[1]], bias[present[1]] = model.coef_[0], model.intercept_[0]
            weight[present[0]], bias[present[0]] = 0.0, 0.0
        else:
            weight[present], bias[present] = model.coef_, model.intercept_
    head = torch.nn.Linear(features.shape[1], n_classes)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(weight))
        head.bias.copy_(torch.from_numpy(bias))
    return head


def _logistic(seed: int, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000, random_state=seed)
