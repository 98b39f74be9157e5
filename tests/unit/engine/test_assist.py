"""The tag-next order and the mislabelled ranking on tiny synthetic embeddings."""

from __future__ import annotations

import numpy as np

from training.engine.assist import (
    cold_start_order,
    label_issue_ranking,
    out_of_sample_probabilities,
    queue_order,
    uncertainty,
)


def _blobs(centres: int, per: int, dim: int = 16, spread: float = 0.05, seed: int = 0):
    rng = np.random.default_rng(seed)
    axes = np.eye(dim)[:centres]
    points = np.repeat(axes, per, axis=0) + rng.normal(0, spread, (centres * per, dim))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), np.repeat(np.arange(centres), per)


def test_uncertainty_is_highest_where_the_top_two_classes_tie():
    p = np.array([[0.5, 0.5, 0.0], [0.9, 0.05, 0.05], [0.6, 0.3, 0.1]])
    scores = uncertainty(p, multi_label=False)
    assert list(np.argsort(-scores)) == [0, 2, 1]


def test_multi_label_uncertainty_is_highest_near_a_threshold():
    p = np.array([[0.95, 0.02], [0.41, 0.02], [0.9, 0.55]])
    scores = uncertainty(p, multi_label=True, thresholds=np.array([0.4, 0.5]))
    assert scores.argmax() == 0 + 1


def test_the_queue_starts_with_the_most_uncertain_document():
    points, _ = _blobs(3, 10)
    p = np.tile([0.9, 0.1], (30, 1))
    p[17] = [0.51, 0.49]
    assert queue_order(points, p, multi_label=False, batch=3)[0][0] == 17


def test_near_duplicate_uncertain_documents_are_not_adjacent():
    points, _ = _blobs(4, 10)
    points[5] = points[6] = points[5]  # two copies of one document
    p = np.tile([0.95, 0.05], (40, 1))
    p[5] = p[6] = [0.5, 0.5]  # the two most uncertain of all
    p[[15, 25, 35]] = [0.7, 0.3]
    order = [i for i, _ in queue_order(points, p, multi_label=False, batch=4)]
    assert order[0] in (5, 6)
    assert abs(order.index(5) - order.index(6)) > 1
    assert sorted(order) == list(range(40))  # every document once


def test_cold_start_covers_every_cluster_in_its_first_batch():
    points, cluster = _blobs(5, 12)
    order = cold_start_order(points, clusters=5, seed=1)
    assert {cluster[i] for i, _ in order[:5]} == set(range(5))
    assert len(order) == 60
    assert len({i for i, _ in order}) == 60


def test_cold_start_takes_the_document_nearest_its_centroid_first():
    points, _ = _blobs(1, 9, spread=0.2)
    centre = points.mean(axis=0)
    nearest = int(np.argmax(points @ (centre / np.linalg.norm(centre))))
    assert cold_start_order(points, clusters=1)[0][0] == nearest


def _flipped(multi_label: bool = False):
    points, cluster = _blobs(4, 25, spread=0.08, seed=3)
    classes = ["a", "b", "c", "d"]
    labels = [[classes[g]] for g in cluster]
    flipped = [3, 30, 58, 91]
    for i in flipped:
        labels[i] = [classes[(cluster[i] + 1) % 4]]
    return points, labels, classes, flipped


def test_the_mislabelled_ranking_puts_flipped_tags_first():
    points, labels, classes, flipped = _flipped()
    p = out_of_sample_probabilities(points, labels, classes, multi_label=False, seed=0)
    assert p.shape == (100, 4)
    assert np.allclose(p.sum(axis=1), 1.0)
    ranking = label_issue_ranking(labels, p, classes, multi_label=False)
    assert {i for i, _ in ranking[:4]} == set(flipped)
    assert ranking[0][1] >= ranking[-1][1]


def test_the_multi_label_ranking_finds_a_missing_and_a_wrong_tag():
    points, labels, classes, _ = _flipped()
    labels = [[classes[g]] for g in np.repeat(np.arange(4), 25)]
    labels[10] = ["a", "c"]  # a wrong extra tag
    labels[60] = []  # its tag missing
    p = out_of_sample_probabilities(points, labels, classes, multi_label=True, seed=0)
    ranking = label_issue_ranking(labels, p, classes, multi_label=True)
    assert {i for i, _ in ranking[:2]} == {10, 60}


def test_cross_validation_copes_with_a_class_of_one_document():
    points, labels, classes, _ = _flipped()
    labels[0] = ["e"]
    p = out_of_sample_probabilities(points, labels, [*classes, "e"], multi_label=False)
    assert p.shape == (100, 5)
    assert np.isfinite(p).all()
