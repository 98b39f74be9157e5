"""The linear head over sentence embeddings: fitted by scikit-learn logistic regression (the
`quick` head, and the starting point of `standard` fine-tuning), held as a torch layer; and
`choose_c`, which picks the head's regularization for a project from its own documents."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from training.engine.thresholds import labels_per_document, tune_thresholds

# The inverse L2 strengths `choose_c` tries on unit-length embeddings. The best fixed C moves
# with the data: 0.3 to 1 for 4-class news at 8 to 64 per class, 10 to 100 for 64 intents at 5
# to 10 per class, 100 for multi-label NLU++ low-data (docs/benchmarks.md, "Why these recipes").
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
# Cross-validation folds (fewer when there are fewer documents to validate), of which only
# as many are fitted as it takes to hold out `ENOUGH_HELD_OUT` documents: a large project
# needs no more to rank six Cs, and its fits are the slow ones.
MAX_FOLDS = 5
ENOUGH_HELD_OUT = 200
# The C when no document can be held out (every class has a single example): the smallest of
# 10, 30 and 100, which tie for the best mean over the development sets.
FALLBACK_C = 10.0
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
    c: float,
    check: Callable[[], None] = lambda: None,
) -> torch.nn.Linear:
    """Softmax regression over the classes present (single-label) or one binary regression
    per class (multi-label), with inverse regularization strength `c`. A class with no positive
    (or no negative) training example gets a constant logit from its smoothed prior instead of
    a fit."""
    with _one_blas_thread():
        return _fit(features, targets, multi_label=multi_label, seed=seed, c=c, check=check)


def _fit(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    multi_label: bool,
    seed: int,
    c: float,
    check: Callable[[], None],
    warm: dict[int, LogisticRegression] | None = None,
) -> torch.nn.Linear:
    """`fit_logistic_head`; with `warm`, each regression starts from the solution of the last
    fit that used the same dictionary (per class), as a path over growing C does."""
    n_classes = targets.shape[1]
    weight = np.zeros((n_classes, features.shape[1]), dtype=np.float64)
    bias = np.full(n_classes, ABSENT_LOGIT, dtype=np.float64)
    positives = targets.sum(axis=0)
    if multi_label:
        for j in range(n_classes):
            check()
            if 0 < positives[j] < len(targets):
                model = _logistic(seed, c, warm, j).fit(features, targets[:, j])
                weight[j], bias[j] = model.coef_[0], model.intercept_[0]
            else:
                bias[j] = np.log((positives[j] + 0.5) / (len(targets) - positives[j] + 0.5))
    else:
        present = np.flatnonzero(positives)
        model = _logistic(seed, c, warm, -1).fit(features, targets.argmax(axis=1))
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


def choose_c(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    multi_label: bool,
    seed: int,
    check: Callable[[], None] = lambda: None,
) -> float:
    """The C of `C_GRID` whose head, fitted as `fit_logistic_head` fits it, scores best on
    held-out documents of these ones: accuracy (single-label), or micro-F1 with the threshold
    the engine would set on them (multi-label, `tune_thresholds`). Ties go to the smaller C.

    Folds are drawn per stratum (the class; multi-label: the document's rarest class), so each
    fold holds out at most all but one document of a class and every held-out document's
    class is also in its training part: a class with 2 or 3 documents is validated one
    document at a time. A document that is the only one of its stratum is never held out.
    Without any document to hold out, `FALLBACK_C`."""
    with _one_blas_thread():
        return _cross_validate(features, targets, multi_label=multi_label, seed=seed, check=check)


def _cross_validate(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    multi_label: bool,
    seed: int,
    check: Callable[[], None],
) -> float:
    folds = _folds(_strata(targets, multi_label), seed)
    held_out = folds >= 0
    fitted = np.cumsum(np.bincount(folds[held_out])) - np.bincount(folds[held_out])
    held_out &= np.isin(folds, np.flatnonzero(fitted < ENOUGH_HELD_OUT))
    if not held_out.any() or (not multi_label and targets.any(axis=0).sum() < 2):
        return FALLBACK_C
    logits = np.zeros((len(C_GRID), *targets.shape))
    for fold in np.unique(folds[held_out]):
        rows = folds == fold
        warm: dict[int, LogisticRegression] = {}  # along the grid, each fit starts the next
        start = None
        for k, c in enumerate(C_GRID):
            check()
            if multi_label:
                weight, bias, start = _binary_regressions(features[~rows], targets[~rows], c, start)
                logits[k, rows] = features[rows] @ weight.T + bias
                continue
            head = _fit(
                features[~rows],
                targets[~rows],
                multi_label=False,
                seed=seed,
                c=c,
                check=check,
                warm=warm,
            )
            with torch.no_grad():
                logits[k, rows] = head(torch.from_numpy(features[rows])).double().numpy()
    scores = [_score(z[held_out], targets[held_out], multi_label, targets) for z in logits]
    return C_GRID[int(np.argmax(scores))]


def _binary_regressions(
    features: np.ndarray, targets: np.ndarray, c: float, start: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The multi-label head of `fit_logistic_head` as (weights, biases), the same minimum of
    scikit-learn's objective (mean log-loss + |w|^2 / (2 C n), intercept unpenalized) by the
    same L-BFGS and tolerances, without scikit-learn's checks around each of the class fits,
    which cost more than the fits themselves on a few dozen documents; each class starts from
    its parameters in `start` (the last C's, returned with the head)."""
    x = features.astype(np.float64)
    (n, d), k = x.shape, targets.shape[1]
    positives = targets.sum(axis=0)
    weight, bias = np.zeros((k, d)), np.log((positives + 0.5) / (n - positives + 0.5))
    parameters = np.zeros((k, d + 1)) if start is None else start.copy()
    for j in np.flatnonzero((positives > 0) & (positives < n)):
        sign = 2.0 * targets[:, j] - 1.0

        def objective(theta: np.ndarray, sign: np.ndarray = sign) -> tuple[float, np.ndarray]:
            margin = -sign * (x @ theta[:d] + theta[d])
            slope = -sign * expit(margin) / n
            value = np.logaddexp(0.0, margin).sum() / n + theta[:d] @ theta[:d] / (2 * c * n)
            return value, np.append(slope @ x + theta[:d] / (c * n), slope.sum())

        parameters[j] = minimize(
            objective,
            parameters[j],
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 2000, "maxls": 50, "gtol": 1e-4, "ftol": 64 * np.finfo(float).eps},
        ).x
        weight[j], bias[j] = parameters[j, :d], parameters[j, d]
    return weight, bias, parameters


def _strata(targets: np.ndarray, multi_label: bool) -> np.ndarray:
    """Each document's class (single-label) or rarest class (multi-label; -1 for none)."""
    if not multi_label:
        return targets.argmax(axis=1)
    frequency = np.where(targets > 0, targets.sum(axis=0), np.inf)
    return np.where(targets.any(axis=1), frequency.argmin(axis=1), -1)


def _folds(strata: np.ndarray, seed: int) -> np.ndarray:
    """A fold number per document (-1: never held out), dealt round-robin within each stratum
    from a seeded shuffle and a seeded starting fold, so fold sizes stay even."""
    rng = np.random.default_rng(seed)
    sizes = np.bincount(np.unique(strata, return_inverse=True)[1])
    n_folds = min(MAX_FOLDS, int((sizes[sizes >= 2]).sum()))
    folds = np.full(len(strata), -1)
    for stratum in np.unique(strata):
        members = rng.permutation(np.flatnonzero(strata == stratum))
        if len(members) >= 2:
            folds[members] = (rng.integers(n_folds) + np.arange(len(members))) % n_folds
    return folds


def _score(
    logits: np.ndarray, targets: np.ndarray, multi_label: bool, labelled: np.ndarray
) -> float:
    """Accuracy, or micro-F1 at the threshold set as on validation documents (with the label
    count of all the `labelled` documents)."""
    if not multi_label:
        return float((logits.argmax(axis=1) == targets.argmax(axis=1)).mean())
    probabilities = expit(logits)
    chosen = probabilities >= tune_thresholds(probabilities, targets, labels_per_document(labelled))
    true_positives = (chosen & (targets > 0)).sum()
    return float(2 * true_positives / max(chosen.sum() + targets.sum(), 1))


def _one_blas_thread() -> threadpool_limits:
    """Logistic regression on a few hundred embeddings makes small matrix products, which
    threaded BLAS slows down: on two shared cores, one thread fits 5 to 10 times faster."""
    return threadpool_limits(limits=1, user_api="blas")


def _logistic(
    seed: int, c: float, warm: dict[int, LogisticRegression] | None, key: int
) -> LogisticRegression:
    if warm is None:
        return LogisticRegression(C=c, max_iter=2000, random_state=seed)
    if key not in warm:
        warm[key] = LogisticRegression(max_iter=2000, random_state=seed, warm_start=True)
    return warm[key].set_params(C=c)
