"""The multi-label threshold tuned on validation data."""

from __future__ import annotations

import numpy as np
import pytest

from training.engine.thresholds import (
    DEFAULT_THRESHOLD,
    HIGHEST,
    LOWEST,
    labels_per_document,
    tune_thresholds,
)


def test_threshold_separates_positives_from_negatives():
    probabilities = np.array([[0.9], [0.8], [0.7], [0.3], [0.2], [0.1]])
    truth = np.array([[1], [1], [1], [0], [0], [0]])
    (threshold,) = tune_thresholds(probabilities, truth)
    assert threshold == pytest.approx(0.5)  # halfway between the last in and the first out


def test_low_probability_positives_lower_the_threshold():
    probabilities = np.array([[0.35], [0.3], [0.25], [0.1], [0.05], [0.02]])
    truth = np.array([[1], [1], [1], [0], [0], [0]])
    (threshold,) = tune_thresholds(probabilities, truth)
    assert threshold == pytest.approx(0.175)


def test_validation_documents_get_the_projects_label_count():
    rng = np.random.default_rng(0)
    probabilities = rng.uniform(0.1, 0.9, (10, 6))
    truth = np.zeros((10, 6))
    truth[0, 0] = 1  # the validation documents' own count (1) is not what is matched
    thresholds = tune_thresholds(probabilities, truth, labels_per_document=1.5)
    assert int((probabilities >= thresholds).sum()) == 15
    assert int((probabilities >= tune_thresholds(probabilities, truth)).sum()) == 1


def test_one_threshold_is_shared_by_every_class():
    rng = np.random.default_rng(1)
    probabilities = rng.random((8, 5))
    truth = (rng.random((8, 5)) > 0.7).astype(float)
    thresholds = tune_thresholds(probabilities, truth)
    assert len(set(thresholds.tolist())) == 1


def test_threshold_stays_inside_its_range():
    probabilities = np.array([[0.99, 0.98], [0.97, 0.01]])
    assert tune_thresholds(probabilities, np.zeros((2, 2))).tolist() == [HIGHEST] * 2
    assert tune_thresholds(probabilities, np.ones((2, 2))).tolist() == [LOWEST] * 2


def test_no_validation_documents_means_one_half():
    thresholds = tune_thresholds(np.zeros((0, 3)), np.zeros((0, 3)))
    assert thresholds.tolist() == [DEFAULT_THRESHOLD] * 3


def test_labels_per_document_counts_empty_documents_too():
    targets = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]])
    assert labels_per_document(targets) == 0.75
