"""`choose_c`: the per-project C of the logistic head, chosen by cross-validation."""

from __future__ import annotations

import numpy as np
import pytest

from training.engine.heads import C_GRID, FALLBACK_C, choose_c, fit_logistic_head, label_matrix


def clusters(per_class: int, n_classes: int, spread: float, seed: int = 0) -> np.ndarray:
    """Unit-length points around `n_classes` random directions in 32 dimensions, `per_class`
    each, class by class."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, 32))
    points = np.repeat(centres, per_class, axis=0) + spread * rng.normal(
        size=(n_classes * per_class, 32)
    )
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def one_hot(per_class: int, n_classes: int) -> np.ndarray:
    labels = [[f"c{j}"] for j in range(n_classes) for _ in range(per_class)]
    return label_matrix(labels, [f"c{j}" for j in range(n_classes)])


def test_choose_c_returns_a_value_of_the_grid_and_is_deterministic_for_a_seed():
    features, targets = clusters(6, 5, spread=1.0), one_hot(6, 5)

    first = choose_c(features, targets, multi_label=False, seed=3)

    assert first in C_GRID
    assert choose_c(features, targets, multi_label=False, seed=3) == first


def test_choose_c_does_not_regularize_most_where_that_clearly_hurts():
    """One large class and three of 5 documents: the strongest penalty leaves the
    (unpenalized) intercepts to decide, and they send the small classes' held-out documents to
    the large one."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 32))
    counts = [60, 5, 5, 5]
    points = np.vstack([centres[j] + 0.5 * rng.normal(size=(n, 32)) for j, n in enumerate(counts)])
    features = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    labels = [[f"c{j}"] for j, n in enumerate(counts) for _ in range(n)]
    targets = label_matrix(labels, ["c0", "c1", "c2", "c3"])

    assert choose_c(features, targets, multi_label=False, seed=0) > min(C_GRID)


def test_choose_c_keeps_classes_with_one_example_and_absent_classes_in_training():
    features = clusters(3, 4, spread=0.5)[:10]  # classes of 3, 3, 3 and 1 documents
    labels = [[f"c{i // 3}"] for i in range(10)]
    targets = label_matrix(labels, ["c0", "c1", "c2", "c3", "never"])

    assert choose_c(features, targets, multi_label=False, seed=0) in C_GRID


def test_choose_c_falls_back_when_no_document_can_be_held_out():
    features, targets = clusters(1, 4, spread=0.5), one_hot(1, 4)

    assert choose_c(features, targets, multi_label=False, seed=0) == FALLBACK_C


def test_choose_c_handles_two_classes():
    features, targets = clusters(5, 2, spread=0.5), one_hot(5, 2)

    assert choose_c(features, targets, multi_label=False, seed=0) in C_GRID


def test_choose_c_handles_multi_label_classes_without_positives_or_negatives():
    features = clusters(4, 3, spread=0.5)
    labels = [[f"c{i // 4}", "always"] if i % 2 else [f"c{i // 4}"] for i in range(12)]
    labels[0] = []
    targets = label_matrix(labels, ["c0", "c1", "c2", "always", "never"])
    targets[:, 3] = 1.0  # a class every document carries

    assert choose_c(features, targets, multi_label=True, seed=0) in C_GRID


@pytest.mark.parametrize("multi_label", [False, True])
def test_fit_logistic_head_requires_an_explicit_c(multi_label):
    features, targets = clusters(3, 3, spread=0.5), one_hot(3, 3)

    with pytest.raises(TypeError):
        fit_logistic_head(features, targets, multi_label=multi_label, seed=0)
