"""Metric definitions (AZURE_API.md "Evaluation definitions"), cross-checked with scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

from training.engine.evaluate import evaluate

CLASSES = ["a", "b", "c", "d", "unused"]


def test_single_label_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    expected = [[c] for c in rng.choice(CLASSES[:4], 200)]
    predicted = [[c] for c in rng.choice(CLASSES[:4], 200)]
    result = evaluate(expected, predicted, CLASSES, multi_label=False)
    y_true, y_pred = [e[0] for e in expected], [p[0] for p in predicted]
    labels = CLASSES[:4]
    for average, prefix in (("micro", "micro_"), ("macro", "macro_")):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        assert getattr(result, prefix + "precision") == pytest.approx(p)
        assert getattr(result, prefix + "recall") == pytest.approx(r)
        assert getattr(result, prefix + "f1") == pytest.approx(f)
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    for j, name in enumerate(labels):
        m = result.per_class[name]
        assert (m.precision, m.recall, m.f1) == pytest.approx((p[j], r[j], f[j]))
        assert m.support == support[j]
        assert m.tp + m.fp + m.fn + m.tn == 200
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    assert [[result.confusion_matrix[t][g] for g in labels] for t in labels] == matrix.tolist()
    assert result.accuracy == pytest.approx(np.mean(np.array(y_true) == np.array(y_pred)))
    assert result.micro_f1 == pytest.approx(result.accuracy)


def test_multi_label_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    expected = [sorted(set(rng.choice(CLASSES[:4], rng.integers(0, 3)))) for _ in range(150)]
    predicted = [sorted(set(rng.choice(CLASSES[:4], rng.integers(0, 3)))) for _ in range(150)]
    result = evaluate(expected, predicted, CLASSES, multi_label=True)
    binarizer = MultiLabelBinarizer(classes=CLASSES[:4])
    y_true, y_pred = binarizer.fit_transform(expected), binarizer.transform(predicted)
    for average, prefix in (("micro", "micro_"), ("macro", "macro_")):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        assert (
            getattr(result, prefix + "precision"),
            getattr(result, prefix + "recall"),
            getattr(result, prefix + "f1"),
        ) == pytest.approx((p, r, f))
    for j, name in enumerate(CLASSES[:4]):
        m = result.per_class[name]
        tp = int((y_true[:, j] & y_pred[:, j]).sum())
        tn = int(((1 - y_true[:, j]) & (1 - y_pred[:, j])).sum())
        assert (m.tp, m.tn, m.support) == (tp, tn, int(y_true[:, j].sum()))
    assert result.confusion_matrix is None


def test_classes_neither_tagged_nor_predicted_are_left_out():
    result = evaluate([["a"], ["b"]], [["a"], ["a"]], CLASSES, multi_label=False)
    assert result.classes == ["a", "b"]
    assert set(result.per_class) == {"a", "b"}
    assert result.per_class["b"].f1 == 0.0
    assert result.macro_recall == pytest.approx(0.5)


def test_single_label_mistake_is_a_false_positive_and_a_false_negative():
    result = evaluate([["a"]], [["b"]], CLASSES, multi_label=False)
    assert (result.per_class["a"].fn, result.per_class["b"].fp) == (1, 1)
    assert result.confusion_matrix == {"a": {"a": 0, "b": 1}, "b": {"a": 0, "b": 0}}


def test_evaluation_round_trips_through_a_dict():
    from training.engine.evaluate import Evaluation

    result = evaluate([["a"], ["b"]], [["a"], ["b"]], CLASSES, multi_label=False)
    assert Evaluation.from_dict(result.to_dict()) == result
