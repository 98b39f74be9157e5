"""The assisted-tagging benchmark: `python -m tests.benchmarks.assist`.

(a) Active learning: a simulated tagger tags, batch after batch, the documents the tag-next
queue puts first (`training.engine.assist`: the cold-start batch, then the quick model's
uncertainty spread by k-means), against random choice, on an AG News pool (2,000 rows, batches
of 10 up to 200 tags, scored on 2,000 other rows) and on HWU64 (train.csv as the pool, batches
of 64 up to 640, scored on test.csv). The model after each batch is the engine's quick head
(`heads.choose_c`, then `heads.fit_logistic_head`) on the frozen MiniLM embeddings.

(b) Mislabelled detection: 5% of the tags flipped to another class at random (HWU64 train in
full, a 2,000-row AG News sample), ranked by `label_issue_ranking` over cross-validated
`out_of_sample_probabilities`; reports the share of flipped documents in the top 5%, and the
time to embed and rank 10,000 short documents.

Embeddings are computed once and cached (`--cache`), so a run after the first takes minutes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from training.engine.assist import (
    DENSITY_POWER,
    NEIGHBOUR_SHARE,
    cold_start_order,
    label_issue_ranking,
    out_of_sample_probabilities,
    queue_order,
)
from training.engine.heads import choose_c, fit_logistic_head, label_matrix

DEFAULT_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
DEFAULT_CACHE = Path("/tmp/studio-assist-embeddings")
SAMPLE_SEED = 0
AG_POOL = 2000
AG_TEST = 2000
FLIP_RATE = 0.05


def load_ag_news(folder: Path) -> tuple[list[str], list[str]]:
    names = [c for c in (folder / "ag_news" / "classes.txt").read_text().split("\n") if c]
    texts, labels = [], []
    with (folder / "ag_news" / "test.csv").open(encoding="utf-8", newline="") as handle:
        for index, title, description in csv.reader(handle):
            texts.append(f"{title}. {description}".replace("\\n", " "))
            labels.append(names[int(index) - 1])
    return texts, labels


def load_hwu64(folder: Path, part: str) -> tuple[list[str], list[str]]:
    with (folder / "hwu64" / f"{part}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def embed(texts: list[str], cache: Path) -> np.ndarray:
    """MiniLM embeddings as `quick` computes them, cached by the texts' hash."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"{key}.npy"
    if path.exists():
        return np.load(path)
    from training.engine.config import TrainConfig
    from training.engine.encoder import default_base_model, load_encoder
    from training.engine.runtime import resolve_device

    encoder = load_encoder(
        default_base_model(), max_length=TrainConfig().max_length, device=resolve_device("auto")
    )
    vectors = encoder.encode(texts, batch_size=128)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def quick_accuracy(
    features: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    test_features: np.ndarray,
    test_labels: np.ndarray,
    seed: int,
) -> tuple[float, np.ndarray]:
    """The quick head on the tagged documents: accuracy on the test rows, and the head."""
    targets = label_matrix([[classes[y]] for y in labels], classes)
    c = choose_c(features, targets, multi_label=False, seed=seed)
    head = fit_logistic_head(features, targets, multi_label=False, seed=seed, c=c)
    with torch.no_grad():
        predicted = head(torch.from_numpy(test_features)).argmax(dim=1).numpy()
    return float((predicted == test_labels).mean()), head


def simulate(
    pool: np.ndarray,
    pool_labels: np.ndarray,
    classes: list[str],
    test: np.ndarray,
    test_labels: np.ndarray,
    *,
    batch: int,
    budget: int,
    strategy: str,
    seed: int,
) -> list[tuple[int, float]]:
    """(tags, accuracy) after each batch the strategy picks."""
    rng = np.random.default_rng(seed)
    random_order = list(rng.permutation(len(pool)))
    cold = [i for i, _ in cold_start_order(pool, limit=budget, clusters=batch, seed=seed)]
    tagged: list[int] = []
    curve = []
    head = None
    while len(tagged) < budget:
        taken = set(tagged)
        untagged = np.asarray([i for i in range(len(pool)) if i not in taken])
        if strategy == "random":
            chosen = [i for i in random_order if i not in taken][:batch]
        elif head is None:
            chosen = [i for i in cold if i not in taken][:batch]
        else:
            with torch.no_grad():
                p = head(torch.from_numpy(pool[untagged])).softmax(dim=-1).double().numpy()
            order = queue_order(
                pool[untagged],
                p,
                multi_label=False,
                limit=batch,
                batch=batch,
                density_power=0.0 if strategy == "uncertainty" else DENSITY_POWER,
                seed=seed,
            )
            chosen = [int(untagged[i]) for i, _ in order]
        tagged += chosen
        if len(set(pool_labels[tagged])) < 2:
            curve.append((len(tagged), float("nan")))
            continue
        accuracy, head = quick_accuracy(
            pool[tagged], pool_labels[tagged], classes, test, test_labels, seed
        )
        curve.append((len(tagged), accuracy))
    return curve


def active_learning(name: str, data: dict, *, batch: int, budget: int, seeds: int) -> None:
    pool, pool_labels, classes, test, test_labels = data[name]
    curves: dict[str, list[list[tuple[int, float]]]] = {
        "queue": [],
        "uncertainty": [],
        "random": [],
    }
    started = time.monotonic()
    for seed in range(seeds):
        for strategy in curves:
            curves[strategy].append(
                simulate(
                    pool,
                    pool_labels,
                    classes,
                    test,
                    test_labels,
                    batch=batch,
                    budget=budget,
                    strategy=strategy,
                    seed=seed,
                )
            )
    means = {
        strategy: [statistics.fmean(run[k][1] for run in runs) for k in range(len(runs[0]))]
        for strategy, runs in curves.items()
    }
    tags = [n for n, _ in curves["queue"][0]]
    print(f"\n### {name}: accuracy (%) against tags, mean of {seeds} seeds\n")
    print("| tags | queue | uncertainty without density | random |")
    print("| ---: | ---: | ---: | ---: |")
    for k, n in enumerate(tags):
        row = " | ".join(f"{100 * means[s][k]:.1f}" for s in curves)
        print(f"| {n} | {row} |")
    target = means["random"][-1]
    print(f"\nRandom at {budget} tags: {100 * target:.1f}%.", end=" ")
    for strategy in ("queue", "uncertainty"):
        reached = next((n for n, a in zip(tags, means[strategy], strict=True) if a >= target), None)
        print(f"{strategy} reaches it at {reached or f'more than {budget}'} tags.", end=" ")
    print(f"({time.monotonic() - started:.0f} s)")


def mislabelled(name: str, features: np.ndarray, labels: list[str], *, seeds: int) -> None:
    classes = sorted(set(labels))
    top = round(FLIP_RATE * len(labels))
    print(f"\n### {name}: flipped tags in the top 5% ({len(labels):,} documents, {top} flipped)\n")
    print("| seed | heads alone (plain) | heads + neighbours (studio) | studio rank time (s) |")
    print("| ---: | ---: | ---: | ---: |")
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        noisy = list(labels)
        flipped = rng.choice(len(labels), size=top, replace=False)
        for i in flipped:
            noisy[i] = rng.choice([c for c in classes if c != labels[i]])
        given = [[label] for label in noisy]
        found = []
        for share in (0.0, NEIGHBOUR_SHARE):
            started = time.monotonic()
            p = out_of_sample_probabilities(
                features, given, classes, multi_label=False, seed=seed, neighbour_share=share
            )
            ranking = label_issue_ranking(given, p, classes, multi_label=False)
            took = time.monotonic() - started
            found.append(len({i for i, _ in ranking[:top]} & set(flipped.tolist())) / top)
        print(f"| {seed} | {100 * found[0]:.1f}% | {100 * found[1]:.1f}% | {took:.1f} |")


def timing(texts: list[str], labels: list[str], cache: Path) -> None:
    """Embedding (uncached) and ranking 10,000 short documents, as the worker does."""
    texts, labels = texts[:10_000], labels[:10_000]
    started = time.monotonic()
    features = embed(texts, cache / "uncached" / str(time.time_ns()))
    embedded = time.monotonic() - started
    classes = sorted(set(labels))
    given = [[label] for label in labels]
    started = time.monotonic()
    p = out_of_sample_probabilities(features, given, classes, multi_label=False)
    label_issue_ranking(given, p, classes, multi_label=False)
    ranked = time.monotonic() - started
    print(f"\n### Time for {len(texts):,} short documents (HWU64 train)\n")
    print("| step | seconds |")
    print("| --- | ---: |")
    print(f"| embed (MiniLM, {torch.get_num_threads()} threads) | {embedded:.1f} |")
    print(f"| out-of-sample probabilities (5 folds + neighbours) and cleanlab | {ranked:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.assist")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--parts", default="al,mislabelled,timing", help="comma-separated: al, mislabelled, timing"
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))

    ag_texts, ag_labels = load_ag_news(args.datasets)
    rng = np.random.default_rng(SAMPLE_SEED)
    order = rng.permutation(len(ag_texts))
    ag_pool, ag_test = order[:AG_POOL], order[AG_POOL : AG_POOL + AG_TEST]
    ag_classes = sorted(set(ag_labels))
    ag_y = np.asarray([ag_classes.index(label) for label in ag_labels])
    ag_features = embed([ag_texts[i] for i in np.concatenate([ag_pool, ag_test])], args.cache)
    hwu_texts, hwu_labels = load_hwu64(args.datasets, "train")
    hwu_test_texts, hwu_test_labels = load_hwu64(args.datasets, "test")
    hwu_classes = sorted(set(hwu_labels))
    hwu_features = embed(hwu_texts, args.cache)
    hwu_test = embed(hwu_test_texts, args.cache)
    data = {
        "AG News": (
            ag_features[:AG_POOL],
            ag_y[ag_pool],
            ag_classes,
            ag_features[AG_POOL:],
            ag_y[ag_test],
        ),
        "HWU64": (
            hwu_features,
            np.asarray([hwu_classes.index(label) for label in hwu_labels]),
            hwu_classes,
            hwu_test,
            np.asarray([hwu_classes.index(label) for label in hwu_test_labels]),
        ),
    }
    print(f"torch threads: {torch.get_num_threads()}; seeds: {args.seeds}")
    if "al" in parts:
        active_learning("AG News", data, batch=10, budget=200, seeds=args.seeds)
        active_learning("HWU64", data, batch=64, budget=640, seeds=args.seeds)
    if "mislabelled" in parts:
        mislabelled("HWU64", hwu_features, hwu_labels, seeds=2)
        ag_sample = [ag_labels[i] for i in ag_pool]
        mislabelled("AG News", ag_features[:AG_POOL], ag_sample, seeds=2)
    if "timing" in parts:
        timing(hwu_texts, hwu_labels, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
