"""Assisted tagging on sentence embeddings: the tag-next order (the model's uncertainty spread
by k-means, or a k-means first batch when there is no model yet) and the likely-mislabelled
ranking (cross-validated quick heads, ranked by confident learning with cleanlab)."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.model_selection import KFold, StratifiedKFold

from training.engine.heads import choose_c, fit_logistic_head, label_matrix

# How many untagged documents an ordering holds: far more than a tagging session reaches
# between two trainings, each of which computes the order again.
QUEUE_SIZE = 1000
# Documents per round of the order: each round is the most uncertain document of each of this
# many k-means clusters, so consecutive documents differ.
BATCH = 10
# Each round clusters this many times BATCH of the most uncertain documents not yet ordered.
POOL_FACTOR = 4
# Uncertainty is weighted by density (the mean similarity to the nearest untagged documents,
# to this power), so typical documents come before outliers that are uncertain because they
# are odd: on HWU64 1 to 3 points from 128 to 512 tags, neutral on AG News past 50 tags
# (docs/benchmarks.md, Assisted tagging).
DENSITY_POWER = 1.0
DENSITY_NEIGHBOURS = 10
# Density is measured against at most this many untagged documents, drawn with the seed.
DENSITY_REFERENCE = 5000
MAX_FOLDS = 5
# cleanlab's label quality score the mislabelled list is ranked by.
RANKING_METHOD = "self_confidence"
# The cross-validated heads' C: sklearn's default, stronger than the C `quick` chooses for
# many-class projects, ranks flipped tags better (HWU64 93.6% in the top 5% against 90.8 to
# 92.8% with the chosen C; AG News the same) and skips choosing.
MISLABELLED_C = 1.0
# The out-of-sample probabilities are half the heads', half the tags of each document's nearest
# neighbours (itself left out), weighted by similarity: AG News 69-72% in the top 5% against
# 62-63% from the heads alone (docs/benchmarks.md, Assisted tagging).
NEIGHBOURS = 10
NEIGHBOUR_SHARE = 0.5
NEIGHBOUR_TEMPERATURE = 0.05


def uncertainty(
    probabilities: np.ndarray, *, multi_label: bool, thresholds: np.ndarray | None = None
) -> np.ndarray:
    """Per document, from 0 (sure) to 1 (undecided). Single-label: one minus the margin between
    the two most confident classes. Multi-label: how close the class nearest its threshold is,
    as a share of the room on that side of the threshold."""
    p = np.asarray(probabilities, dtype=np.float64)
    if len(p) == 0:
        return np.zeros(0)
    if multi_label:
        t = np.full(p.shape[1], 0.5) if thresholds is None else np.asarray(thresholds, float)
        room = np.where(p >= t, 1.0 - t, t).clip(min=1e-9)
        return 1.0 - (np.abs(p - t) / room).min(axis=1).clip(0.0, 1.0)
    if p.shape[1] < 2:
        return np.zeros(len(p))
    top = -np.sort(-p, axis=1)
    return 1.0 - (top[:, 0] - top[:, 1])


def queue_order(
    embeddings: np.ndarray,
    probabilities: np.ndarray,
    *,
    multi_label: bool,
    thresholds: np.ndarray | None = None,
    limit: int = QUEUE_SIZE,
    batch: int = BATCH,
    pool_factor: int = POOL_FACTOR,
    density_power: float = DENSITY_POWER,
    seed: int = 0,
) -> list[tuple[int, float]]:
    """Untagged documents (rows of `embeddings` and the model's `probabilities`) in the order
    tagging them helps most, as (row, score: uncertainty times density), at most `limit`.

    Round after round, the `batch * pool_factor` best-scored documents not yet ordered are
    clustered into `batch` groups by k-means and the best of each group comes next (best
    first): near-duplicates fall in one group, so they are a round apart."""
    scores = uncertainty(probabilities, multi_label=multi_label, thresholds=thresholds)
    if density_power and len(embeddings) > 1:
        scores = scores * density(embeddings, seed=seed) ** density_power
    remaining = list(np.argsort(-scores, kind="stable"))
    order: list[tuple[int, float]] = []
    while remaining and len(order) < limit:
        pool = np.asarray(remaining[: batch * pool_factor])
        groups = _kmeans(embeddings[pool], min(batch, len(pool)), seed)
        # `pool` is in uncertainty order, so each group's first member is its most uncertain.
        picked = sorted({g: i for i, g in reversed(list(enumerate(groups)))}.values())
        chosen = [int(pool[i]) for i in picked]
        order.extend((i, float(scores[i])) for i in chosen)
        taken = set(chosen)
        remaining = [i for i in remaining if i not in taken]
    return order[:limit]


def density(embeddings: np.ndarray, *, k: int = DENSITY_NEIGHBOURS, seed: int = 0) -> np.ndarray:
    """Per document, the mean cosine similarity (clipped at 0) to its `k` most similar others
    among at most DENSITY_REFERENCE of the documents (the embeddings are unit length)."""
    n = len(embeddings)
    reference = np.arange(n)
    if n > DENSITY_REFERENCE:
        reference = np.sort(np.random.default_rng(seed).choice(n, DENSITY_REFERENCE, False))
    k = min(k, len(reference) - 1)
    out = np.zeros(n)
    for start in range(0, n, 1024):
        rows = np.arange(start, min(start + 1024, n))
        similarity = embeddings[rows] @ embeddings[reference].T
        similarity[rows[:, None] == reference[None, :]] = -np.inf  # not itself
        nearest = -np.partition(-similarity, k - 1, axis=1)[:, :k]
        out[rows] = nearest.mean(axis=1)
    return out.clip(min=0.0)


def cold_start_order(
    embeddings: np.ndarray, *, limit: int = QUEUE_SIZE, clusters: int = BATCH, seed: int = 0
) -> list[tuple[int, float]]:
    """A first batch that covers the documents: k-means into `clusters` groups, then one
    document per group in turn (largest group first), each group's nearest its centroid first;
    as (row, cosine similarity to its centroid), at most `limit`."""
    n = len(embeddings)
    if n == 0:
        return []
    k = min(clusters, n)
    model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(embeddings)
    centroids = model.cluster_centers_ / np.linalg.norm(
        model.cluster_centers_, axis=1, keepdims=True
    ).clip(min=1e-9)
    similarity = (embeddings * centroids[model.labels_]).sum(axis=1)
    members = [np.flatnonzero(model.labels_ == g) for g in range(k)]
    members = [m[np.argsort(-similarity[m], kind="stable")] for m in members]
    members.sort(key=len, reverse=True)
    order: list[tuple[int, float]] = []
    for depth in range(max(len(m) for m in members)):
        for group in members:
            if depth < len(group):
                order.append((int(group[depth]), float(similarity[group[depth]])))
        if len(order) >= limit:
            break
    return order[:limit]


def out_of_sample_probabilities(
    embeddings: np.ndarray,
    labels: list[list[str]],
    classes: list[str],
    *,
    multi_label: bool,
    c: float | None = MISLABELLED_C,
    seed: int = 0,
    neighbour_share: float = NEIGHBOUR_SHARE,
) -> np.ndarray:
    """Documents x classes confidences that no document's own tags went into: from quick heads
    (the engine's logistic head; C chosen as `quick` chooses it when None) fitted on the other
    folds, min(5, the smallest class's count) folds, at least 2, stratified by class when
    single-label; blended with its nearest neighbours' tags (`neighbour_share` of the
    result)."""
    targets = label_matrix(labels, classes)
    counts = targets.sum(axis=0)
    smallest = int(counts[counts > 0].min()) if counts.any() else 0
    n_folds = max(2, min(MAX_FOLDS, smallest))
    if c is None:
        c = choose_c(embeddings, targets, multi_label=multi_label, seed=seed)
    out = np.zeros(targets.shape, dtype=np.float64)
    if multi_label:
        splits = KFold(n_folds, shuffle=True, random_state=seed).split(embeddings)
    else:
        with warnings.catch_warnings():  # a class smaller than the folds: sklearn says so
            warnings.simplefilter("ignore")
            splits = list(
                StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(
                    embeddings, targets.argmax(axis=1)
                )
            )
    for train, held_out in splits:
        part = targets[train]
        if not multi_label and part.any(axis=0).sum() < 2:
            out[held_out] = (part.sum(axis=0) + 1) / (len(part) + len(classes))
            continue
        head = fit_logistic_head(embeddings[train], part, multi_label=multi_label, seed=seed, c=c)
        with torch.no_grad():
            logits = head(torch.from_numpy(np.ascontiguousarray(embeddings[held_out])))
        scores = torch.sigmoid(logits) if multi_label else logits.softmax(dim=-1)
        out[held_out] = scores.double().numpy()
    if neighbour_share and len(targets) > 1:
        out = (1 - neighbour_share) * out + neighbour_share * neighbour_tags(embeddings, targets)
    return out


def neighbour_tags(
    embeddings: np.ndarray, targets: np.ndarray, *, k: int = NEIGHBOURS
) -> np.ndarray:
    """Per document, the similarity-weighted mean of the tag rows (`targets`) of its `k` most
    similar other documents (cosine: the embeddings are unit length)."""
    k = min(k, len(targets) - 1)
    out = np.zeros(targets.shape, dtype=np.float64)
    for start in range(0, len(embeddings), 1024):
        rows = np.arange(start, min(start + 1024, len(embeddings)))
        similarity = embeddings[rows] @ embeddings.T
        similarity[np.arange(len(rows)), rows] = -np.inf  # not itself
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weights = np.exp(
            (np.take_along_axis(similarity, nearest, axis=1) - 1.0) / NEIGHBOUR_TEMPERATURE
        )
        weights /= weights.sum(axis=1, keepdims=True)
        out[rows] = np.einsum("rk,rkc->rc", weights, targets[nearest])
    return out


def label_issue_ranking(
    labels: list[list[str]],
    probabilities: np.ndarray,
    classes: list[str],
    *,
    multi_label: bool,
    method: str = RANKING_METHOD,
) -> list[tuple[int, float]]:
    """Tagged documents, most likely mislabelled first, as (row, score from 0 to 1: one minus
    cleanlab's label quality `method` of the given tags under out-of-sample `probabilities`)."""
    if not labels:
        return []
    column = {name: j for j, name in enumerate(classes)}
    p = np.asarray(probabilities, dtype=np.float64)
    if multi_label:
        from cleanlab.multilabel_classification.rank import get_label_quality_scores

        quality = get_label_quality_scores(
            [[column[name] for name in tags] for tags in labels], p, method=method
        )
    else:
        from cleanlab.rank import get_label_quality_scores

        p = p / p.sum(axis=1, keepdims=True).clip(min=1e-12)
        given = np.asarray([column[tags[0]] for tags in labels])
        quality = get_label_quality_scores(given, p, method=method)
    order = np.argsort(quality, kind="stable")
    return [(int(i), float(1.0 - quality[i])) for i in order]


def _kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(len(points), dtype=int)
    return KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(points)
