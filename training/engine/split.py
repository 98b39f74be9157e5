"""The train / validation / test split: automatic stratified 80/10/10, or manual train/test.

Strata are the document's class (single-label) or its rarest class (multi-label: a cheap
stand-in for iterative stratification that still spreads rare classes across the splits).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from training.engine.errors import EngineError

TRAIN, VALIDATION, TEST = "train", "validation", "test"
MIN_DOCUMENTS_FOR_EVALUATION = 10
HELD_OUT_FRACTION = 0.1


@dataclass
class Split:
    """Document indices per part; `reason` says why there is no evaluation, when there is none."""

    train: list[int]
    validation: list[int]
    test: list[int]
    reason: str | None = None

    def assignments(self) -> dict[int, str]:
        parts = {TRAIN: self.train, VALIDATION: self.validation, TEST: self.test}
        return {i: name for name, indices in parts.items() for i in indices}

    def counts(self) -> dict[str, int]:
        return {TRAIN: len(self.train), VALIDATION: len(self.validation), TEST: len(self.test)}


def split_documents(
    labels: list[list[str]], *, seed: int, manual: list[str] | None = None
) -> Split:
    """Split documents by index. Automatic: 10% test, 10% validation, the rest train, per
    stratum, every stratum keeping at least one training document and, when it has enough,
    one test (2+ documents) and one validation (3+) document. Manual: the documents' own
    train/test, with a ninth of train (10% of the whole) carved out as validation.
    Fewer than 10 documents: everything trains and there is no evaluation."""
    n = len(labels)
    everything = list(range(n))
    if n < MIN_DOCUMENTS_FOR_EVALUATION:
        return Split(
            everything,
            [],
            [],
            f"Only {n} documents: an evaluation needs at least "
            f"{MIN_DOCUMENTS_FOR_EVALUATION}, so the model was trained on all of them.",
        )
    rng = np.random.default_rng(seed)
    strata = _strata(labels)
    if manual is None:
        test, rest = _carve(everything, strata, HELD_OUT_FRACTION, rng)
        validation, train = _carve(rest, strata, HELD_OUT_FRACTION / (1 - HELD_OUT_FRACTION), rng)
        return Split(train, validation, test)
    manual_train = [i for i in everything if manual[i] == TRAIN]
    test = [i for i in everything if manual[i] == TEST]
    if not manual_train:
        raise EngineError("no_training_documents", "The manual split has no training documents.")
    validation, train = _carve(
        manual_train, strata, HELD_OUT_FRACTION / (1 - HELD_OUT_FRACTION), rng
    )
    reason = None if test else "The manual split has no test documents, so there is no evaluation."
    return Split(train, validation, test, reason)


def _strata(labels: list[list[str]]) -> list[str]:
    frequency = Counter(tag for tags in labels for tag in tags)
    return [min(tags, key=lambda t: (frequency[t], t)) if tags else "" for tags in labels]


def _carve(
    indices: list[int], strata: list[str], fraction: float, rng: np.random.Generator
) -> tuple[list[int], list[int]]:
    """Take about `fraction` of `indices` per stratum (largest remainder to hit the total),
    at least one from every stratum of two or more, never a stratum's last document.
    Returns (taken, kept), each sorted."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        groups[strata[i]].append(i)
    names = sorted(groups)
    for name in names:
        rng.shuffle(groups[name])
    ideal = {name: len(groups[name]) * fraction for name in names}
    quota = {name: min(int(ideal[name]), len(groups[name]) - 1) for name in names}
    target = round(len(indices) * fraction)
    shuffled = [names[k] for k in rng.permutation(len(names))]  # random tie-break
    by_remainder = sorted(shuffled, key=lambda s: ideal[s] - int(ideal[s]), reverse=True)
    for name in by_remainder:
        if sum(quota.values()) >= target:
            break
        if quota[name] < len(groups[name]) - 1:
            quota[name] += 1
    for name in names:
        if quota[name] == 0 and len(groups[name]) >= 2:
            quota[name] = 1
    taken = sorted(i for name in names for i in groups[name][: quota[name]])
    kept = sorted(i for name in names for i in groups[name][quota[name] :])
    return taken, kept
