"""Multi-label thresholds tuned on validation data."""

from __future__ import annotations

import numpy as np

from training.engine.thresholds import DEFAULT_THRESHOLD, tune_thresholds


def test_threshold_separates_positives_from_negatives():
    probabilities = np.array([[0.9], [0.8], [0.7], [0.3], [0.2], [0.1]] * 2)
    truth = np.array([[1], [1], [1], [0], [0], [0]] * 2)
    (threshold,) = tune_thresholds(probabilities, truth)
    assert 0.3 < threshold <= 0.7
    assert threshold == 0.5  # the middle of the best run of candidates


def test_low_probability_positives_lower_the_threshold():
    probabilities = np.array([[0.35], [0.3], [0.25], [0.1], [0.05], [0.02]])
    truth = np.array([[1], [1], [1], [0], [0], [0]])
    (threshold,) = tune_thresholds(probabilities, truth)
    assert 0.1 < threshold <= 0.25


def test_class_with_few_validation_positives_uses_the_shared_threshold():
    probabilities = np.column_stack([np.linspace(0.05, 0.95, 20), np.full(20, 0.2)])
    truth = np.column_stack([np.arange(20) >= 10, np.arange(20) == 0]).astype(float)
    thresholds = tune_thresholds(probabilities, truth)
    assert thresholds[1] == tune_thresholds(probabilities[:, :1], truth[:, :1])[0]


def test_no_validation_documents_means_one_half():
    thresholds = tune_thresholds(np.zeros((0, 3)), np.zeros((0, 3)))
    assert thresholds.tolist() == [DEFAULT_THRESHOLD] * 3
